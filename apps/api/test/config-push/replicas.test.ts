import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, waitFor, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { apiClient } from "../support/control-plane.ts";
import { endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";

function trafficPolicy(service: string, weights: Record<string, number>) {
  return {
    apiVersion: "mesh/v1",
    kind: "TrafficPolicy",
    metadata: { name: service },
    spec: { routes: [{ backends: Object.entries(weights).map(([version, weight]) => ({ version, weight })) }] },
  };
}

describe("two control plane replicas on one database", () => {
  let database: TestDatabase;
  const replicas: ControlPlane[] = [];
  const dirs: string[] = [];
  const feeds: SnapshotFeed[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("mesh_replicas");
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(join(tmpdir(), `mesh-replica-${i}-`)));
    // Started together, as a deployment would: migrations and the CA must be created exactly once.
    replicas.push(
      ...(await Promise.all(
        dirs.map((dataDir) =>
          startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false, adminToken: "mesh_op_replica_test_admin", joinToken: "mesh_join_replica_test" }),
        ),
      )),
    );
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    for (const replica of replicas) await replica.close();
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("a change applied through replica A reaches an agent subscribed to replica B in under a second", async () => {
    const [a, b] = replicas as [ControlPlane, ControlPlane];
    const agent = await registerAgent(b.url, b.joinToken, { service: "productpage" });
    const feed = watchConfig(agent.client);
    feeds.push(feed);
    const initial = await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "initial snapshot from B" });

    const latencies: number[] = [];
    for (const [i, weights] of [{ v1: 90, v2: 10 }, { v1: 50, v2: 50 }, { v1: 0, v2: 100 }].entries()) {
      const started = performance.now();
      const { revision } = await apiClient(a.url, a.adminToken).resources.applyDocuments.mutate({ documents: [trafficPolicy("reviews", weights)] });
      expect(revision).toBeGreaterThan(initial.revision + i);
      const pushed = await waitFor(() => feed.snapshots.find((s) => s.revision === revision), { timeoutMs: 5_000, intervalMs: 5, what: `revision ${revision} on B` });
      latencies.push(performance.now() - started);
      expect(pushed.destinations.reviews!.trafficPolicy!.routes![0]!.backends).toEqual(Object.entries(weights).map(([version, weight]) => ({ version, weight })));
    }
    console.log(`apply on A -> snapshot on B: ${latencies.map((ms) => `${ms.toFixed(0)} ms`).join(", ")}`);
    for (const ms of latencies) expect(ms).toBeLessThan(1_000);
  });

  it("an instance registered and heartbeating through A becomes an endpoint for agents on B", async () => {
    const [a, b] = replicas as [ControlPlane, ControlPlane];
    const watcher = await registerAgent(b.url, b.joinToken, { service: "reviews" });
    const feed = watchConfig(watcher.client);
    feeds.push(feed);
    await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "snapshot on B" });

    const ratings = await registerAgent(a.url, a.joinToken, { service: "ratings", version: "v1", inboundPort: 18001 });
    await ratings.heartbeat();
    await waitFor(() => endpointsOf(feed.latest(), "ratings").includes(ratings.registration.instanceId), { timeoutMs: 2_000, what: "ratings endpoint on B" });
  });

  it("both replicas serve the same CA", async () => {
    const [a, b] = replicas as [ControlPlane, ControlPlane];
    const [caA, caB] = await Promise.all([apiClient(a.url, a.adminToken).certificates.ca.query(), apiClient(b.url, b.adminToken).certificates.ca.query()]);
    expect(caA.certificatePem).toBe(caB.certificatePem);
  });
});
