import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeshHarness, sendThrough, waitForRevision, type AppHandler, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: slow }
spec:
  timeout: 200ms
`);
  const slowApp: AppHandler = (_req, res) => {
    const timer = setTimeout(() => res.end("finally"), 2000);
    res.on("close", () => clearTimeout(timer));
  };
  [caller] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("slow", "v1", slowApp)]);
  await mesh.waitForEndpoints(caller, "slow", { v1: 1 });
  await waitForRevision(caller, revision!);
});

afterAll(() => mesh?.close());

describe("request timeout", () => {
  it("answers 504 x-mesh-error: timeout after 200 ms instead of waiting 2 s for the upstream", async () => {
    await sendThrough(caller, "slow", "/warm-up");
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await sendThrough(caller, "slow", "/slow");
      expect(response.status).toBe(504);
      expect(response.headers["x-mesh-error"]).toBe("timeout");
      latencies.push(response.durationMs);
    }
    console.info(`timeout measured: 504 after ${latencies.map((ms) => ms.toFixed(0)).join(", ")} ms (policy 200 ms, upstream 2 s)`);
    expect(Math.max(...latencies)).toBeLessThan(400);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(195);
  });
});
