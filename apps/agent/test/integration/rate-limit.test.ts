import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, MeshHarness, sendMany, waitForRevision, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ratings }
spec:
  rateLimit: { requestsPerSecond: 5, burst: 10 }
`);
  const [frontend, ratings] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("ratings", "v1")]);
  caller = frontend;
  await mesh.waitForEndpoints(caller, "ratings", { v1: 1 });
  await Promise.all([waitForRevision(caller, revision!), waitForRevision(ratings, revision!)]);
});

afterAll(() => mesh?.close());

describe("rate limit at the destination", () => {
  it("serves the burst and answers the excess 429 x-mesh-error: rate-limited", async () => {
    const started = Date.now();
    const responses = await sendMany(caller, "ratings", 40, { concurrency: 8 });
    const elapsedS = (Date.now() - started) / 1000;
    const byStatus = countBy(responses, (r) => String(r.status));
    const allowedAtMost = Math.ceil(10 + 5 * elapsedS) + 1;
    expect(byStatus["200"]).toBeGreaterThanOrEqual(10);
    expect(byStatus["200"]).toBeLessThanOrEqual(allowedAtMost);
    expect(byStatus["429"]).toBe(40 - byStatus["200"]!);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers["x-mesh-error"]).toBe("rate-limited");
  });
});
