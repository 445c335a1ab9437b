import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binomialBound, countBy, MeshHarness, outcome, sendMany, waitForRevision, type AppHandler, type ServiceInstance } from "./harness.ts";

/**
 * TrafficPolicy faults, end to end: real agents, a real control plane, a real upstream. Each request
 * is aborted or delayed independently with the configured probability, so the observed count is
 * binomial and must fall within 4 standard deviations of the configured percentage.
 */
let mesh: MeshHarness;
let caller: ServiceInstance;
let upstreamRequests = 0;

const countingApp: AppHandler = (_req, res) => {
  upstreamRequests++;
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
};

const applyFaults = async (faults: string) => {
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: target }
spec:
  faults: ${faults}
`);
  await waitForRevision(caller, revision!);
};

beforeAll(async () => {
  mesh = await MeshHarness.start();
  [caller] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("target", "v1", countingApp)]);
  await mesh.waitForEndpoints(caller, "target", { v1: 1 });
});

afterAll(() => mesh?.close());

describe("fault injection", () => {
  it("aborts abort.percent of requests with the configured status, before they reach the upstream", async () => {
    const N = 1000;
    const P = 0.3;
    await applyFaults(`{ abort: { percent: ${P * 100}, status: 418 } }`);
    upstreamRequests = 0;
    const responses = await sendMany(caller, "target", N, { concurrency: 16 });
    const outcomes = countBy(responses, outcome);
    const aborted = responses.filter((r) => r.status === 418 && r.headers["x-mesh-error"] === "fault-abort").length;
    expect(aborted + (outcomes["200"] ?? 0), JSON.stringify(outcomes)).toBe(N);
    const bound = binomialBound(N, P);
    console.info(`abort fault measured: ${aborted}/${N} aborted (configured ${P * 100} %, allowed ${N * P} ± ${bound.toFixed(0)})`);
    expect(Math.abs(aborted - N * P)).toBeLessThanOrEqual(bound);
    // An aborted request never reaches the upstream; every other one does, once.
    expect(upstreamRequests).toBe(N - aborted);
  });

  it("delays delay.percent of requests by delay.duration and lets them through", async () => {
    const N = 800;
    const P = 0.25;
    const DELAY_MS = 400;
    await applyFaults(`{ delay: { percent: ${P * 100}, duration: ${DELAY_MS}ms } }`);
    const responses = await sendMany(caller, "target", N, { concurrency: 16 });
    expect(countBy(responses, outcome)).toEqual({ "200": N });
    // A delayed request takes at least the delay; an undelayed one is a few milliseconds on loopback.
    const delayed = responses.filter((r) => r.durationMs >= DELAY_MS - 1);
    const quick = responses.filter((r) => r.durationMs < DELAY_MS - 1).map((r) => r.durationMs).sort((a, b) => a - b);
    const bound = binomialBound(N, P);
    console.info(`delay fault measured: ${delayed.length}/${N} took ≥ ${DELAY_MS} ms (configured ${P * 100} %, allowed ${N * P} ± ${bound.toFixed(0)}); median of the rest ${quick[Math.floor(quick.length / 2)]?.toFixed(1)} ms`);
    expect(Math.abs(delayed.length - N * P)).toBeLessThanOrEqual(bound);
    expect(quick[Math.floor(quick.length / 2)]!).toBeLessThan(DELAY_MS / 4);
    // The delay is the configured one, not a timeout or a stall: delayed requests end soon after it.
    const delayedMs = delayed.map((r) => r.durationMs).sort((a, b) => a - b);
    expect(delayedMs[Math.floor(delayedMs.length / 2)]!).toBeLessThan(DELAY_MS + 300);
  });
});
