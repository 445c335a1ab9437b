import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { MeshHarness, type ServiceInstance } from "../integration/harness.ts";
import { rssMiB } from "../support/agent-process.ts";
import { countingApp, startTraffic, tally, type RequestOutcome, type TrafficRun } from "../support/traffic.ts";

/** The agents' test hook: renew certificates this often instead of at half-life (24 h certificates). */
const RENEW_EVERY_MS = 1500;
const SOAK_MS = 30_000;
const SOAK_RATE = 200;

let mesh: MeshHarness;
let frontend: ServiceInstance;
let backend: ServiceInstance;
const app = countingApp();

beforeAll(async () => {
  process.env.MESH_AGENT_RENEW_EVERY_MS = String(RENEW_EVERY_MS);
  mesh = await MeshHarness.start();
  [frontend, backend] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("backend", "v1", app.handler)]);
  await mesh.waitForEndpoints(frontend, "backend", { v1: 1 }, 60_000);
});

afterAll(async () => {
  delete process.env.MESH_AGENT_RENEW_EVERY_MS;
  await mesh?.close();
});

/** GETs and POSTs together, so a lost or repeated request of either kind would show. */
function mixedTraffic(ratePerSecond: number): { stop(): Promise<{ sent: number; outcomes: RequestOutcome[] }>; answered(): number } {
  const runs: TrafficRun[] = [startTraffic(frontend, "backend", { ratePerSecond: ratePerSecond / 2 }), startTraffic(frontend, "backend", { ratePerSecond: ratePerSecond / 2, method: "POST" })];
  return {
    answered: () => runs.reduce((sum, run) => sum + run.outcomes.length, 0),
    async stop() {
      const outcomes = (await Promise.all(runs.map((run) => run.stop()))).flat();
      return { sent: runs.reduce((sum, run) => sum + run.sent(), 0), outcomes };
    },
  };
}

/** Every request answered by the app exactly once: none lost, none failed, no POST run twice. */
function expectAllServedOnce({ sent, outcomes }: { sent: number; outcomes: RequestOutcome[] }): void {
  expect(outcomes).toHaveLength(sent);
  expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
  const notSeenOnce = outcomes.filter((o) => app.seen.get(o.id) !== 1).map((o) => `${o.id} seen ${app.seen.get(o.id) ?? 0}×`);
  expect(notSeenOnce).toEqual([]);
}

const certificateOf = async (instance: ServiceInstance) => (JSON.parse(await readFile(path.join(instance.dataDir, "credentials.json"), "utf8")) as { certificatePem: string }).certificatePem;

describe("faults under steady traffic (frontend agent → backend agent → app)", () => {
  it("rotates certificates on both sides under traffic with zero failed requests", async () => {
    const seen = { frontend: new Set([await certificateOf(frontend)]), backend: new Set([await certificateOf(backend)]) };
    const traffic = mixedTraffic(100);
    await waitFor(
      async () => {
        seen.frontend.add(await certificateOf(frontend).catch(() => ""));
        seen.backend.add(await certificateOf(backend).catch(() => ""));
        seen.frontend.delete("");
        seen.backend.delete("");
        return seen.frontend.size >= 3 && seen.backend.size >= 3;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: "two certificate renewals on each agent" },
    );
    const result = await traffic.stop();
    console.info(`rotation measured: ${result.sent} requests across ${seen.frontend.size - 1} + ${seen.backend.size - 1} renewals: ${JSON.stringify(tally(result.outcomes))}`);
    expectAllServedOnce(result);
  });

  it("keeps serving every request while the control plane is cut off and restarted", async () => {
    const traffic = mixedTraffic(100);
    await waitFor(() => traffic.answered() >= 100, { timeoutMs: 20_000, what: "traffic before the outage" });
    await mesh.stopControlPlane();
    await waitFor(async () => (await frontend.config()).degraded && (await backend.config()).degraded, { timeoutMs: 20_000, what: "both agents to notice the outage" });
    const atOutage = traffic.answered();
    await waitFor(() => traffic.answered() >= atOutage + 200, { timeoutMs: 20_000, what: "traffic during the outage" });
    await mesh.restartControlPlane();
    await waitFor(async () => (await frontend.config()).health === "ok" && (await backend.config()).health === "ok", { timeoutMs: 30_000, what: "both agents to reconnect" });
    const atReturn = traffic.answered();
    await waitFor(() => traffic.answered() >= atReturn + 100, { timeoutMs: 20_000, what: "traffic after the return" });
    const result = await traffic.stop();
    console.info(`control-plane restart measured: ${result.sent} requests: ${JSON.stringify(tally(result.outcomes))}`);
    expectAllServedOnce(result);
  });

  it(`soaks ${SOAK_MS / 1000} s at ${SOAK_RATE} req/s with zero failures and flat agent memory`, async () => {
    const pids = { frontend: frontend.agent.child.pid!, backend: backend.agent.child.pid! };
    const traffic = mixedTraffic(SOAK_RATE);
    await sleep(5000);
    const warm = { frontend: await rssMiB(pids.frontend), backend: await rssMiB(pids.backend) };
    await sleep(SOAK_MS - 5000);
    const result = await traffic.stop();
    const end = { frontend: await rssMiB(pids.frontend), backend: await rssMiB(pids.backend) };
    console.info(
      `soak measured: ${result.sent} requests in ${SOAK_MS / 1000} s: ${JSON.stringify(tally(result.outcomes))}; RSS after warm-up → end: frontend ${warm.frontend.toFixed(0)} → ${end.frontend.toFixed(0)} MiB, backend ${warm.backend.toFixed(0)} → ${end.backend.toFixed(0)} MiB`,
    );
    expect(result.sent).toBeGreaterThanOrEqual(SOAK_RATE * (SOAK_MS / 1000) * 0.95);
    expectAllServedOnce(result);
    expect(end.frontend).toBeLessThanOrEqual(warm.frontend * 1.3);
    expect(end.backend).toBeLessThanOrEqual(warm.backend * 1.3);
  }, 120_000);
});
