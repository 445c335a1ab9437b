import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { apiClient } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let dataDir: string;
let running: ControlPlane | null = null;
afterAll(async () => {
  await running?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const start = () => startControlPlane({ port: 0, host: "127.0.0.1", dataDir, log: false });
const embeddedPort = async () => (JSON.parse(await readFile(join(dataDir, "postgres.json"), "utf8")) as { port: number }).port;

describe("embedded PostgreSQL (no databaseUrl)", () => {
  it("keeps state in the data dir across restarts, on the same port, with the same tokens", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "mesh-embedded-"));
    running = await start();
    const first = { port: await embeddedPort(), adminToken: running.adminToken, joinToken: running.joinToken };
    expect((await stat(join(dataDir, "postgres", "PG_VERSION"))).isFile()).toBe(true);
    expect((await stat(join(dataDir, "admin-token"))).mode & 0o777).toBe(0o600);
    const applied = await apiClient(running.url, running.adminToken).resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 75) });
    expect(applied.revision).toBe(1);
    await running.close();
    running = null;

    running = await start();
    expect({ port: await embeddedPort(), adminToken: running.adminToken, joinToken: running.joinToken }).toEqual(first);
    const client = apiClient(running.url, running.adminToken);
    const [reviews] = await client.resources.get.query({ kind: "TrafficPolicy", name: "reviews" });
    expect(reviews!.spec).toMatchObject({ routes: [{ backends: [{ version: "v1", weight: 75 }, { version: "v2", weight: 25 }] }] });
    expect((await client.revisions.list.query()).map((r) => r.id)).toEqual([1]);
  }, 180_000);
});
