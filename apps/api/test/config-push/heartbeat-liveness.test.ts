import pg from "pg";
import { TRPCClientError } from "@trpc/client";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVENESS_FLUSH_MS } from "../../src/config-push/liveness.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { registerAgent, type RegisteredAgent } from "../agents/agent-client.ts";

// A steady mesh's heartbeats only say "still here": they are kept in the replica's memory and written in batches.
describe("heartbeats that change nothing", () => {
  const AGENTS = 10;
  const REPEATS = 5;
  let cp: TestControlPlane;
  let db: pg.Client;
  let agents: RegisteredAgent[];

  const lastHeartbeats = async () => {
    const { rows } = await db.query<{ id: string; at: Date }>(`SELECT id, "lastHeartbeatAt" AS at FROM "Instance"`);
    return new Map(rows.map((row) => [row.id, row.at.getTime()]));
  };
  const rowWrites = async () => Number((await db.query<{ count: string }>(`SELECT count(*) FROM instance_writes`)).rows[0]!.count);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    db = new pg.Client({ connectionString: cp.database.url });
    await db.connect();
    // Every row the control plane writes to "Instance", counted by the database itself.
    await db.query(`CREATE TABLE instance_writes (id text);
      CREATE FUNCTION count_instance_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO instance_writes VALUES (NEW.id); RETURN NEW; END $$;
      CREATE TRIGGER count_instance_writes AFTER UPDATE ON "Instance" FOR EACH ROW EXECUTE FUNCTION count_instance_write();`);
    agents = [];
    for (let i = 0; i < AGENTS; i++) agents.push(await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: `svc-${i % 2}`, inboundPort: 18000 + i }));
    await Promise.all(agents.map((agent) => agent.heartbeat("ok", 1)));
  });
  afterAll(async () => {
    await db?.end();
    await cp?.close();
  });

  it("are not one database write each, yet every instance's liveness reaches the database within a flush", async () => {
    const before = await lastHeartbeats();
    await db.query(`TRUNCATE instance_writes`);
    for (let round = 0; round < REPEATS; round++) await Promise.all(agents.map((agent) => agent.heartbeat("ok", 1)));
    // Today's code writes each heartbeat (AGENTS × REPEATS rows); batched, each instance is written once per flush.
    expect(await rowWrites()).toBeLessThanOrEqual(AGENTS);

    await waitFor(async () => {
      const after = await lastHeartbeats();
      return agents.every((agent) => after.get(agent.registration.instanceId)! > before.get(agent.registration.instanceId)!);
    }, { timeoutMs: LIVENESS_FLUSH_MS * 5, what: "every instance's liveness to be flushed" });
    expect(await rowWrites()).toBeLessThanOrEqual(2 * AGENTS);
  });

  it("writes at once what a heartbeat changes: the applied revision reaches rollout status without waiting for a flush", async () => {
    await cp.admin.resources.applyDocuments.mutate({ yaml: "apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: { name: svc-0 }\nspec:\n  routes:\n    - backends: [{ version: v1, weight: 100 }]\n" });
    const { revision } = await cp.admin.revisions.rollout.query({});
    await Promise.all(agents.map((agent) => agent.heartbeat("ok", revision)));
    expect(await cp.admin.revisions.rollout.query({ revision })).toEqual({ revision, applied: AGENTS, total: AGENTS, pending: [] });
  });

  it("refuses, within a flush, the heartbeats of an instance deregistered behind this replica's back", async () => {
    const gone = agents[3]!;
    await gone.heartbeat("ok", null);
    // As another replica would: the row changes, this replica's memory does not hear of it.
    await db.query(`UPDATE "Instance" SET "deregisteredAt" = now() WHERE id = $1`, [gone.registration.instanceId]);
    const refusal = await waitFor(async () => {
      const outcome = await gone.heartbeat("ok", null).then(() => null, (error: unknown) => error);
      return outcome instanceof TRPCClientError ? outcome : null;
    }, { timeoutMs: LIVENESS_FLUSH_MS * 5, intervalMs: 100, what: "the deregistered instance's heartbeat to be refused" });
    expect([401, 404]).toContain((refusal.data as { httpStatus?: number } | undefined)?.httpStatus);
  });
});
