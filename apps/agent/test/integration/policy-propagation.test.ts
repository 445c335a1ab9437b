import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { countBy, MeshHarness, sendMany, servedVersion, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;

const routeAllTo = (version: string) => `
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - backends: [{ version: ${version}, weight: 100 }]
`;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  [caller] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1"), mesh.startInstance("reviews", "v2")]);
  await mesh.waitForEndpoints(caller, "reviews", { v1: 1, v2: 1 });
}, 120_000);

afterAll(() => mesh?.close());

describe("policy propagation", () => {
  it("has a policy change running in the caller's agent within 1 s of apply, and acknowledged", async () => {
    const timings: number[] = [];
    const applyTimings: number[] = [];
    for (const version of ["v2", "v1", "v2", "v1", "v2"]) {
      const started = performance.now();
      const revision = (await mesh.apply(routeAllTo(version)))!;
      applyTimings.push(performance.now() - started);
      await waitFor(async () => ((await caller.config()).revision ?? -1) >= revision, { timeoutMs: 5000, intervalMs: 5, what: `revision ${revision}` });
      timings.push(performance.now() - started);

      const versions = countBy(await sendMany(caller, "reviews", 20, { concurrency: 4 }), servedVersion);
      expect(versions).toEqual({ [`200 ${version}`]: 20 });
    }
    const sorted = [...timings].sort((a, b) => a - b);
    console.info(`policy propagation measured (apply → caller /config revision): ${timings.map((ms) => ms.toFixed(0)).join(", ")} ms; median ${sorted[2]!.toFixed(0)} ms (of which the apply call: ${applyTimings.map((ms) => ms.toFixed(0)).join(", ")} ms)`);
    expect(Math.max(...timings)).toBeLessThan(1000);
  });
});
