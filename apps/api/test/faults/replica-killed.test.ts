import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, waitFor, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";
import { agentClient, endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";
import { startChildControlPlane, type ChildControlPlane } from "./child-control-plane.ts";

const ADMIN_TOKEN = "mesh_op_replica_kill_test_admin";
const JOIN_TOKEN = "mesh_join_replica_kill_test";

describe("two control plane processes on one database, one killed with SIGKILL", () => {
  let database: TestDatabase;
  const dirs: string[] = [];
  const replicas: ChildControlPlane[] = [];
  const feeds: SnapshotFeed[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("mesh_replica_kill");
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(join(tmpdir(), `mesh-replica-kill-${i}-`)));
    replicas.push(
      ...(await Promise.all(dirs.map((dir) => startChildControlPlane({ MESH_DATA_DIR: dir, DATABASE_URL: database.url, MESH_ADMIN_TOKEN: ADMIN_TOKEN, MESH_JOIN_TOKEN: JOIN_TOKEN })))),
    );
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    for (const replica of replicas) await replica.stop().catch(() => undefined);
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("the survivor keeps serving and accepting changes, its agents keep receiving, and no acknowledged change is lost", async () => {
    const [doomed, survivor] = replicas as [ChildControlPlane, ChildControlPlane];
    const survivorAgent = await registerAgent(survivor.url, JOIN_TOKEN, { service: "productpage" });
    await survivorAgent.heartbeat("ok", 0);
    const onSurvivor = watchConfig(survivorAgent.client);
    const doomedAgent = await registerAgent(doomed.url, JOIN_TOKEN, { service: "ratings", inboundPort: 18001 });
    await doomedAgent.heartbeat("ok", 0);
    const onDoomed = watchConfig(doomedAgent.client);
    feeds.push(onSurvivor, onDoomed);
    await waitFor(() => onSurvivor.latest() && onDoomed.latest(), { timeoutMs: 15_000, what: "first snapshots on both replicas" });

    // A writer applies through the doomed replica while it is killed; it is told about some revisions, refused the rest.
    const acknowledged: { revision: number; weight: number }[] = [];
    const refused: string[] = [];
    const doomedAdmin = apiClient(doomed.url, ADMIN_TOKEN);
    let writing = true;
    const writer = (async () => {
      for (let weight = 0; writing; weight = (weight + 1) % 101) {
        try {
          const { revision } = await doomedAdmin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", weight) }, { signal: AbortSignal.timeout(10_000) });
          if (revision !== null) acknowledged.push({ revision, weight });
        } catch (error) {
          refused.push((error as Error).message);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    })();
    await waitFor(() => acknowledged.length >= 5, { timeoutMs: 20_000, what: "changes through the doomed replica" });
    await doomed.kill();
    replicas.splice(replicas.indexOf(doomed), 1);
    await waitFor(() => refused.length >= 3, { timeoutMs: 10_000, what: "the writer to notice the dead replica" });
    writing = false;
    await writer;

    // The survivor serves reads and takes changes; its agent gets them pushed.
    const admin = apiClient(survivor.url, ADMIN_TOKEN);
    const { revision } = await admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 33) });
    expect(revision).toBeGreaterThan(Math.max(...acknowledged.map((a) => a.revision)));
    const pushed = await waitFor(() => onSurvivor.snapshots.find((s) => s.revision === revision), { timeoutMs: 5_000, what: `revision ${revision} on the survivor's agent` });
    expect(pushed.destinations.reviews!.trafficPolicy!.routes![0]!.backends[0]).toEqual({ version: "v1", weight: 33 });
    expect(onSurvivor.errors).toEqual([]);

    // Every revision the writer was told about exists, with its content.
    const revisions = await admin.revisions.list.query({ limit: 1000 });
    for (const ack of acknowledged) {
      expect(revisions.some((r) => r.id === ack.revision), `revision ${ack.revision}`).toBe(true);
      const after = (await admin.revisions.get.query({ id: ack.revision })).changes[0]!.after as { spec: { routes: { backends: { weight: number }[] }[] } };
      expect(after.spec.routes[0]!.backends[0]!.weight).toBe(ack.weight);
    }

    // The agent that lost its replica fails over: same credential, now on the survivor, gets the newest state.
    const failedOverClient = agentClient(survivor.url, doomedAgent.registration.credential);
    const failedOver = watchConfig(failedOverClient);
    feeds.push(failedOver);
    await waitFor(() => failedOver.snapshots.find((s) => s.revision >= revision!), { timeoutMs: 10_000, what: "the failed-over agent's snapshot" });
    await failedOverClient.agent.heartbeat.mutate({ instanceId: doomedAgent.registration.instanceId, health: "ok", appliedRevision: revision });
    await waitFor(() => endpointsOf(onSurvivor.latest(), "ratings").includes(doomedAgent.registration.instanceId), { timeoutMs: 5_000, what: "the failed-over instance as an endpoint" });
  });
});
