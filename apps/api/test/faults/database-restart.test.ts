import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded.ts";
import type { AppRouter } from "../../src/root.ts";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { DATABASE_UNAVAILABLE_MESSAGE } from "../../src/trpc.ts";
import { apiClient, type ApiClient } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";
import { registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";

/** No request may take longer than this while the database is away: a clear error, not a hang. */
const ANSWER_WITHIN_MS = 8_000;

interface Outcome {
  weight: number;
  ms: number;
  revision?: number;
  status?: number;
  message?: string;
}

/** Applies a new weight again and again, recording each answer, until stopped. */
function startWriter(client: ApiClient) {
  const outcomes: Outcome[] = [];
  let running = true;
  const done = (async () => {
    for (let weight = 0; running; weight = (weight + 1) % 101) {
      const started = performance.now();
      try {
        const result = await client.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", weight) }, { signal: AbortSignal.timeout(30_000) });
        outcomes.push({ weight, ms: performance.now() - started, revision: result.revision ?? undefined });
      } catch (error) {
        const data = error instanceof TRPCClientError ? (error as TRPCClientError<AppRouter>).data : undefined;
        outcomes.push({ weight, ms: performance.now() - started, status: data?.httpStatus ?? -1, message: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  })();
  return {
    outcomes,
    acknowledged: () => outcomes.filter((o) => o.revision !== undefined),
    failed: () => outcomes.filter((o) => o.status !== undefined),
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe("PostgreSQL restarted under the control plane", () => {
  let pgDir: string;
  let dataDir: string;
  let postgres: EmbeddedDatabase;
  let controlPlane: ControlPlane;
  let feed: SnapshotFeed | undefined;

  beforeAll(async () => {
    pgDir = await mkdtemp(join(tmpdir(), "mesh-pg-restart-"));
    dataDir = await mkdtemp(join(tmpdir(), "mesh-api-"));
    postgres = await startEmbeddedPostgres(pgDir);
    controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: postgres.url, dataDir, log: false });
  });
  afterAll(async () => {
    feed?.stop();
    await controlPlane?.close();
    await postgres?.stop();
    for (const dir of [pgDir, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers clear 503s meanwhile, recovers without a restart, loses no acknowledged change, and pushes again", async () => {
    const admin = apiClient(controlPlane.url, controlPlane.adminToken);
    const editor = apiClient(controlPlane.url, (await admin.tokens.create.mutate({ role: "editor", name: "writer" })).token);
    const agent = await registerAgent(controlPlane.url, controlPlane.joinToken, { service: "productpage" });
    await agent.heartbeat("ok", 0);
    feed = watchConfig(agent.client);
    await waitFor(() => feed!.latest(), { timeoutMs: 10_000, what: "the first snapshot" });

    const writer = startWriter(editor);
    await waitFor(() => writer.acknowledged().length >= 5, { timeoutMs: 20_000, what: "changes acknowledged before the outage" });

    await postgres.stop();
    const outageStart = writer.outcomes.length;
    await waitFor(() => writer.failed().length >= 5, { timeoutMs: 20_000, what: "requests answered during the outage" });
    const ready = await fetch(`${controlPlane.url}/ready`);
    expect(ready.status).toBe(503);
    await expect(admin.resources.get.query({ kind: "TrafficPolicy" })).rejects.toMatchObject({ data: { httpStatus: 503 }, message: DATABASE_UNAVAILABLE_MESSAGE });
    await expect(editor.auth.whoami.query()).rejects.toMatchObject({ data: { httpStatus: 503 } });

    postgres = await startEmbeddedPostgres(pgDir);
    const ackedBeforeRecovery = writer.acknowledged().length;
    await waitFor(() => writer.acknowledged().length >= ackedBeforeRecovery + 5, { timeoutMs: 30_000, intervalMs: 100, what: "changes acknowledged after the database came back" });
    await writer.stop();

    const during = writer.outcomes.slice(outageStart).filter((o) => o.status !== undefined);
    console.log(`database restart: ${writer.acknowledged().length} changes acknowledged, ${writer.failed().length} refused; slowest refusal ${Math.max(...writer.failed().map((o) => o.ms)).toFixed(0)} ms`);
    expect(during.length).toBeGreaterThan(0);
    for (const refusal of writer.failed()) {
      expect([refusal.status, refusal.message]).toEqual([503, DATABASE_UNAVAILABLE_MESSAGE]);
      expect(refusal.ms).toBeLessThan(ANSWER_WITHIN_MS);
    }

    // Every revision the writer was told about exists, with the weight it sent.
    const acknowledged = writer.acknowledged();
    const revisions = new Map((await admin.revisions.list.query({ limit: 1000 })).map((r) => [r.id, r]));
    for (const ack of acknowledged) {
      expect(revisions.has(ack.revision!), `revision ${ack.revision}`).toBe(true);
      const change = (await admin.revisions.get.query({ id: ack.revision! })).changes[0]!;
      expect((change.after as { spec: { routes: { backends: { weight: number }[] }[] } }).spec.routes[0]!.backends[0]!.weight).toBe(ack.weight);
    }

    // The config hub's LISTEN reconnected: the agent's stream, held open through the outage, gets the newest revision.
    const last = Math.max(...acknowledged.map((a) => a.revision!));
    await waitFor(() => feed!.snapshots.some((s) => s.revision >= last), { timeoutMs: 15_000, what: `revision ${last} pushed to the agent` });
    await expect(agent.heartbeat("ok", last)).resolves.toEqual({ ok: true });
    expect((await fetch(`${controlPlane.url}/ready`)).status).toBe(200);
  });
});
