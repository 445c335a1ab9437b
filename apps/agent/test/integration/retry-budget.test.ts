import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, MeshHarness, outcome, sendMany, waitForRevision, type AppHandler, type ServiceInstance } from "./harness.ts";

/**
 * The retry budget end to end: against an upstream that always fails, attempts: 3 would triple the
 * load on it; budgetPercent caps the retries at that share of the requests in the budget's 10 s
 * window (with a floor of 10 retries per window so a quiet service can still retry).
 */
const WINDOW_MS = 10_000;
const MIN_RETRIES_PER_WINDOW = 10;

let mesh: MeshHarness;
let caller: ServiceInstance;
let upstreamAttempts = 0;

const alwaysFailing: AppHandler = (_req, res) => {
  upstreamAttempts++;
  res.writeHead(503, { "content-type": "application/json" }).end('{"failed":true}');
};

/** Applies the policy under a fresh destination name, so each case starts with an empty budget. */
async function failingDestination(name: string, budgetPercent: number): Promise<void> {
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ${name} }
spec:
  retries: { attempts: 3, retryOn: [5xx], budgetPercent: ${budgetPercent}, backoff: { base: 1ms, max: 2ms } }
`);
  await mesh.startInstance(name, "v1", alwaysFailing);
  await mesh.waitForEndpoints(caller, name, { v1: 1 });
  await waitForRevision(caller, revision!);
}

/** Sends `n` requests and returns how many retries reached the upstream and how long the run took. */
async function run(name: string, n: number): Promise<{ retries: number; elapsedMs: number }> {
  upstreamAttempts = 0;
  const started = Date.now();
  const responses = await sendMany(caller, name, n, { concurrency: 8 });
  const elapsedMs = Date.now() - started;
  // Every request fails in the end: the upstream's own 503 passes through once retries stop.
  expect(Object.keys(countBy(responses, outcome)).every((key) => key.startsWith("503"))).toBe(true);
  return { retries: upstreamAttempts - n, elapsedMs };
}

beforeAll(async () => {
  mesh = await MeshHarness.start();
  caller = await mesh.startInstance("frontend", "v1");
});

afterAll(() => mesh?.close());

describe("retry budget", () => {
  it("caps retries at budgetPercent of requests under an upstream that always fails", async () => {
    const N = 400;
    const PERCENT = 20;
    await failingDestination("flaky", PERCENT);
    const { retries, elapsedMs } = await run("flaky", N);
    // A run inside one 10 s window may retry max(floor, PERCENT % of its requests); a slower run (a very
    // busy machine) spans several windows, each allowing its floor on top.
    const allowed =
      elapsedMs < WINDOW_MS
        ? Math.max(MIN_RETRIES_PER_WINDOW, (N * PERCENT) / 100)
        : (N * PERCENT) / 100 + MIN_RETRIES_PER_WINDOW * (Math.ceil(elapsedMs / WINDOW_MS) + 1);
    console.info(`retry budget measured: ${retries} retries for ${N} requests in ${elapsedMs} ms (budget ${PERCENT} %: at most ${allowed}; without a budget ${2 * N})`);
    expect(retries).toBeLessThanOrEqual(allowed);
    // The budget is spent, not withheld: retries did happen, up to about the budget.
    expect(retries).toBeGreaterThanOrEqual((N * PERCENT) / 100 * 0.8);
  });

  it("lets retries through up to the budget when the budget is large (control case)", async () => {
    const N = 200;
    await failingDestination("flaky-unbudgeted", 100);
    const { retries } = await run("flaky-unbudgeted", N);
    console.info(`retry budget 100 % measured: ${retries} retries for ${N} requests`);
    // 100 % allows as many retries as requests: more than half of the 2 per request that attempts: 3 wants.
    expect(retries).toBeGreaterThan(N * 0.8);
    expect(retries).toBeLessThanOrEqual(2 * N);
  });
});
