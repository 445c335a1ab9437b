import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

describe("resources.applyDocuments with dryRun", () => {
  it("returns the diff and writes nothing", async () => {
    await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 100) });
    const yaml = `${trafficPolicyYaml("reviews", 70)}---\n${trafficPolicyYaml("ratings", 100)}`;
    const preview = await mesh.admin.resources.applyDocuments.mutate({ yaml, dryRun: true });
    expect(preview.revision).toBeNull();
    expect(preview.changes.map((c) => [c.name, c.action])).toEqual([["reviews", "update"], ["ratings", "create"]]);
    expect(preview.changes[0]!.before!.spec).toMatchObject({ routes: [{ backends: [{ version: "v1", weight: 100 }, { version: "v2", weight: 0 }] }] });
    expect(preview.changes[0]!.after!.spec).toMatchObject({ routes: [{ backends: [{ version: "v1", weight: 70 }, { version: "v2", weight: 30 }] }] });

    expect((await mesh.admin.resources.get.query({ kind: "TrafficPolicy" })).map((r) => r.metadata.name)).toEqual(["reviews"]);
    expect((await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "reviews" }))[0]!.spec).toMatchObject({
      routes: [{ backends: [{ version: "v1", weight: 100 }, { version: "v2", weight: 0 }] }],
    });
    expect(await mesh.admin.revisions.list.query()).toHaveLength(1);
  });

  it("still refuses invalid input", async () => {
    await expect(mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("Bad_Name", 100), dryRun: true })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
      message: expect.stringContaining("metadata.name"),
    });
  });
});
