import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, waitFor, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANCE_TTL_MS } from "../../src/config-push/index.ts";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { apiClient } from "../support/control-plane.ts";
import { endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";

describe("instances that stop heartbeating", () => {
  let database: TestDatabase;
  let dataDir: string;
  let controlPlane: ControlPlane;
  let feed: SnapshotFeed | undefined;

  beforeAll(async () => {
    database = await createTestDatabase("mesh_expiry");
    // Timestamps are stored without time zone; a database whose clock reads far from UTC must not change liveness.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${database.name}" SET timezone TO 'Pacific/Kiritimati'`);
    await admin.end();
    dataDir = await mkdtemp(join(tmpdir(), "mesh-expiry-"));
    controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  });
  afterAll(async () => {
    feed?.stop();
    await controlPlane?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("leave other agents' snapshots within seconds, and come back with their next heartbeat", async () => {
    const { url, joinToken } = controlPlane;
    const ratings = await registerAgent(url, joinToken, { service: "ratings", inboundPort: 17001 });
    const steady = await registerAgent(url, joinToken, { service: "ratings", inboundPort: 17002 });
    const reviews = await registerAgent(url, joinToken, { service: "reviews" });
    await ratings.heartbeat();
    await steady.heartbeat();
    feed = watchConfig(reviews.client);
    await waitFor(() => endpointsOf(feed!.latest(), "ratings").length === 2, { timeoutMs: 10_000, what: "both ratings endpoints" });

    // `steady` keeps heartbeating, `ratings` goes silent.
    const keepAlive = setInterval(() => void steady.heartbeat().catch(() => undefined), ratings.registration.heartbeatIntervalMs);
    try {
      const silentSince = Date.now();
      await waitFor(() => endpointsOf(feed!.latest(), "ratings").length === 1, { timeoutMs: INSTANCE_TTL_MS + 15_000, what: "silent instance to leave" });
      const goneAfterMs = Date.now() - silentSince;
      expect(endpointsOf(feed.latest(), "ratings")).toEqual([steady.registration.instanceId]);
      expect(goneAfterMs).toBeGreaterThanOrEqual(INSTANCE_TTL_MS - 1_000);
      expect(goneAfterMs).toBeLessThan(INSTANCE_TTL_MS + 5_000);
      console.log(`silent instance left the snapshot ${goneAfterMs} ms after its last heartbeat (TTL ${INSTANCE_TTL_MS} ms)`);

      const status = await apiClient(url, controlPlane.adminToken).agents.status.query();
      expect(status.agents.map((a) => a.instanceId)).not.toContain(ratings.registration.instanceId);

      await ratings.heartbeat();
      await waitFor(() => endpointsOf(feed!.latest(), "ratings").length === 2, { timeoutMs: 5_000, what: "instance to come back" });
    } finally {
      clearInterval(keepAlive);
    }
  });

  it("a deregistered instance leaves at once", async () => {
    const { url, joinToken } = controlPlane;
    const details = await registerAgent(url, joinToken, { service: "details" });
    await details.heartbeat();
    await waitFor(() => endpointsOf(feed!.latest(), "details").length === 1, { timeoutMs: 10_000, what: "details endpoint" });
    const started = Date.now();
    await details.client.agent.deregister.mutate();
    await waitFor(() => endpointsOf(feed!.latest(), "details").length === 0, { timeoutMs: 5_000, what: "details to leave" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
