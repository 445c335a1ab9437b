import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
let listener: pg.Client;
const received: unknown[] = [];
beforeAll(async () => {
  mesh = await startTestControlPlane();
  listener = new pg.Client({ connectionString: mesh.database.url });
  await listener.connect();
  listener.on("notification", (message) => received.push(JSON.parse(message.payload!)));
  await listener.query("LISTEN mesh_changes");
});
afterAll(async () => {
  await listener?.end();
  await mesh?.close();
});

describe("mesh_changes notifications", () => {
  it("announce each committed revision, and nothing for dry runs, refused or unchanged input", async () => {
    await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 100), dryRun: true });
    await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 101) }).catch(() => undefined);
    const first = await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 100) });
    await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 100) });
    const deletion = await mesh.admin.resources.delete.mutate({ kind: "TrafficPolicy", name: "reviews" });
    await waitFor(() => received.length >= 2, { what: "two notifications" });
    // A marker through the same channel proves nothing else was queued before it.
    await listener.query(`SELECT pg_notify('mesh_changes', '{"type":"marker"}')`);
    await waitFor(() => received.length >= 3, { what: "the marker" });
    expect(received).toEqual([
      { type: "revision", revision: first.revision },
      { type: "revision", revision: deletion.revision },
      { type: "marker" },
    ]);
  });
});
