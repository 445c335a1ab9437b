import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { MeshHarness, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { countingApp, startTraffic, tally, type RequestOutcome } from "../support/traffic.ts";

let mesh: MeshHarness;
let frontend: ServiceInstance;
let backends: ServiceInstance[];
const apps = [countingApp(), countingApp()];

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: backend }
spec:
  timeout: 10s
  retries: { attempts: 3, perTryTimeout: 4s, retryOn: [5xx, connect-failure, reset], budgetPercent: 50 }
  circuitBreaker: { consecutiveErrors: 2, baseEjectionTime: 30s, maxEjectionPercent: 50 }
`);
  [frontend, ...backends] = await Promise.all([
    mesh.startInstance("frontend", "v1"),
    mesh.startInstance("backend", "v1", apps[0]!.handler),
    mesh.startInstance("backend", "v1", apps[1]!.handler),
  ]);
  await mesh.waitForEndpoints(frontend, "backend", { v1: 2 }, 60_000);
  await waitForRevision(frontend, revision!);
});

afterAll(() => mesh?.close());

/** How many times the upstream apps together saw each request id. */
const seenAt = (id: string) => apps.reduce((sum, app) => sum + (app.seen.get(id) ?? 0), 0);

function expectEveryRequestAccountedFor(sent: number, outcomes: RequestOutcome[]): void {
  expect(outcomes).toHaveLength(sent);
  for (const outcome of outcomes) {
    if (outcome.status === 200) expect(seenAt(outcome.id), `${outcome.id} answered 200`).toBeGreaterThanOrEqual(1);
    else expect(outcome.cause, `${outcome.id} failed with ${outcome.status}`).not.toBeNull();
  }
}

describe("an agent killed mid-traffic (SIGKILL, one of two instances)", () => {
  it("loses no request, fails ≤ 1% of requests, and never runs a POST twice", async () => {
    const gets = startTraffic(frontend, "backend", { ratePerSecond: 50 });
    const posts = startTraffic(frontend, "backend", { ratePerSecond: 20, method: "POST" });
    await waitFor(() => gets.outcomes.length >= 200, { timeoutMs: 30_000, what: "traffic before the crash" });
    await backends[1]!.stopAgent("SIGKILL");
    const atCrash = gets.sent();
    await waitFor(() => gets.outcomes.length >= atCrash + 500, { timeoutMs: 45_000, what: "traffic after the crash" });
    const [getOutcomes, postOutcomes] = await Promise.all([gets.stop(), posts.stop()]);

    console.info(`agent crash measured: GET ${JSON.stringify(tally(getOutcomes))}, POST ${JSON.stringify(tally(postOutcomes))}`);
    expectEveryRequestAccountedFor(gets.sent(), getOutcomes);
    expectEveryRequestAccountedFor(posts.sent(), postOutcomes);
    const failed = [...getOutcomes, ...postOutcomes].filter((o) => o.status !== 200).length;
    expect(failed / (getOutcomes.length + postOutcomes.length)).toBeLessThanOrEqual(0.01);
    const duplicatedPosts = postOutcomes.filter((o) => seenAt(o.id) > 1).map((o) => o.id);
    expect(duplicatedPosts).toEqual([]);
    // After the crash, traffic settles on the surviving instance.
    const lastGets = getOutcomes.slice(-50);
    expect(tally(lastGets)).toEqual({ "200": 50 });
  });
});
