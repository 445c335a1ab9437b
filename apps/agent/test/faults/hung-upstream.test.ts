import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { rssMiB } from "../support/agent-process.ts";
import { startTraffic, tally } from "../support/traffic.ts";

const MAX_PENDING = 20;

let mesh: MeshHarness;
let frontend: ServiceInstance;
let slow: ServiceInstance;
/** Requests the hung app holds right now, and the most it ever held at once. */
const held = new Set<ServerResponse>();
let mostHeld = 0;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: slow }
spec:
  timeout: 1s
  circuitBreaker: { maxPendingRequests: ${MAX_PENDING} }
`);
  [frontend, slow] = await Promise.all([
    mesh.startInstance("frontend", "v1"),
    // Never answers: the request stays open until the caller gives up.
    mesh.startInstance("slow", "v1", (_req, res) => {
      held.add(res);
      mostHeld = Math.max(mostHeld, held.size);
      res.once("close", () => held.delete(res));
    }),
  ]);
  await mesh.waitForEndpoints(frontend, "slow", { v1: 1 }, 60_000);
  await waitForRevision(frontend, revision!);
});

afterAll(() => mesh?.close());

describe("an upstream that hangs", () => {
  it("answers 504 timeout when the TrafficPolicy timeout fires", async () => {
    const response = await sendThrough(frontend, "slow", "/hang");
    expect(response.status).toBe(504);
    expect(response.headers["x-mesh-error"]).toBe("timeout");
    expect(response.durationMs).toBeGreaterThanOrEqual(950);
    expect(response.durationMs).toBeLessThan(1000 + 1500);
  });

  it("holds maxPendingRequests: the excess gets 503 overloaded at once, the rest time out", async () => {
    const responses = await Promise.all(Array.from({ length: 3 * MAX_PENDING }, () => sendThrough(frontend, "slow", "/burst")));
    const counts = tally(responses.map((r, i) => ({ id: String(i), status: r.status, cause: (r.headers["x-mesh-error"] as string | undefined) ?? null })));
    expect(counts).toEqual({ "504 timeout": MAX_PENDING, "503 overloaded": 2 * MAX_PENDING });
    // Refused at once: every overloaded answer came back before the first timeout fired.
    const durations = (cause: string) => responses.filter((r) => r.headers["x-mesh-error"] === cause).map((r) => r.durationMs);
    expect(Math.max(...durations("overloaded"))).toBeLessThan(Math.min(...durations("timeout")));
  });

  it("keeps both agents' memory bounded and the hung app never holds more than maxPendingRequests, under sustained traffic", async () => {
    const pids = { caller: frontend.agent.child.pid!, callee: slow.agent.child.pid! };
    const before = { caller: await rssMiB(pids.caller), callee: await rssMiB(pids.callee) };
    const traffic = startTraffic(frontend, "slow", { ratePerSecond: 100 });
    const peaks = { ...before };
    const sampler = setInterval(async () => {
      peaks.caller = Math.max(peaks.caller, await rssMiB(pids.caller));
      peaks.callee = Math.max(peaks.callee, await rssMiB(pids.callee));
    }, 250);
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const outcomes = await traffic.stop();
    clearInterval(sampler);
    console.info(
      `hung upstream measured: ${JSON.stringify(tally(outcomes))}; most held by the app ${mostHeld}; RSS caller ${before.caller.toFixed(0)} → peak ${peaks.caller.toFixed(0)} MiB, callee ${before.callee.toFixed(0)} → peak ${peaks.callee.toFixed(0)} MiB`,
    );
    expect(outcomes).toHaveLength(traffic.sent());
    expect(Object.keys(tally(outcomes)).sort()).toEqual(["503 overloaded", "504 timeout"]);
    expect(mostHeld).toBeLessThanOrEqual(MAX_PENDING);
    expect(peaks.caller - before.caller).toBeLessThan(60);
    expect(peaks.callee - before.callee).toBeLessThan(60);
    // Every timed-out request was cut upstream too: nothing stays held once the caller gave up.
    await expect.poll(() => held.size, { timeout: 5000 }).toBe(0);
  });
});
