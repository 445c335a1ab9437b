import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { countBy, echoApp, MeshHarness, outcome, sendMany, waitForRevision, type AppHandler, type ProxyResponse, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;
let healthy: ServiceInstance;
let broken: ServiceInstance;

const alwaysFailing: AppHandler = (_req, res, instance) => {
  res.writeHead(500, { "content-type": "application/json" });
  res.end(JSON.stringify({ instance: instance.port, error: "broken" }));
};

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  loadBalancer: round-robin
  circuitBreaker: { consecutiveErrors: 3, interval: 1s, baseEjectionTime: 5s, maxEjectionPercent: 50 }
`);
  [caller, healthy, broken] = await Promise.all([
    mesh.startInstance("frontend", "v1"),
    mesh.startInstance("reviews", "v1"),
    mesh.startInstance("reviews", "v1", alwaysFailing),
  ]);
  await mesh.waitForEndpoints(caller, "reviews", { v1: 2 });
  await waitForRevision(caller, revision!);
});

afterAll(() => mesh?.close());

/** "200 <app port>" / "500 <app port>" for answers from an app, the agent's own error otherwise. */
const servedBy = (r: ProxyResponse) => (r.headers["x-mesh-error"] ? outcome(r) : `${r.status} ${r.json<{ instance: number }>().instance}`);

describe("outlier detection", () => {
  it("ejects an instance that always answers 500 so the others carry the traffic, and takes it back once healthy", async () => {
    const first = await sendMany(caller, "reviews", 100, { concurrency: 4 });
    const failures = first.filter((r) => r.status === 500).length;
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(failures).toBeLessThan(20);

    const afterEjection = await sendMany(caller, "reviews", 100, { concurrency: 4 });
    expect(countBy(afterEjection, servedBy)).toEqual({ [`200 ${healthy.ports.app}`]: 100 });

    broken.setApp(echoApp);
    const recovered = await waitFor(
      async () => {
        const responses = await sendMany(caller, "reviews", 20, { concurrency: 2 });
        return responses.some((r) => servedBy(r) === `200 ${broken.ports.app}`);
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "the ejected instance to receive traffic again" },
    );
    expect(recovered).toBe(true);
    const balanced = countBy(await sendMany(caller, "reviews", 100, { concurrency: 4 }), servedBy);
    expect(balanced[`200 ${broken.ports.app}`]).toBeGreaterThan(20);
    expect(balanced[`200 ${healthy.ports.app}`]).toBeGreaterThan(20);
  });
});
