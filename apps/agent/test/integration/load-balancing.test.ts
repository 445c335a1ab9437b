import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binomialBound, countBy, MeshHarness, outcome, sendMany, waitForRevision, type AppHandler, type ServiceInstance } from "./harness.ts";

/**
 * Load balancing end to end: two instances of one version, one answering at once and one taking
 * SLOW_MS. Round-robin splits requests evenly regardless (the control); least-request and EWMA must
 * send the slow instance far fewer, because it holds more requests in flight / answers slower.
 */
const SLOW_MS = 150;
const N = 300;
const CONCURRENCY = 8;

let mesh: MeshHarness;
let caller: ServiceInstance;
let slow: ServiceInstance;

const answer = (delayMs: number): AppHandler => (_req, res, instance) => {
  const timer = setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ instance: instance.port })), delayMs);
  res.on("close", () => clearTimeout(timer));
};

async function useBalancer(loadBalancer: string): Promise<void> {
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: backend }
spec:
  loadBalancer: ${loadBalancer}
`);
  await waitForRevision(caller, revision!);
}

/** The share of N requests the slow instance answered. */
async function slowShare(): Promise<number> {
  const responses = await sendMany(caller, "backend", N, { concurrency: CONCURRENCY });
  expect(countBy(responses, outcome)).toEqual({ "200": N });
  return responses.filter((r) => r.json<{ instance: number }>().instance === slow.ports.app).length / N;
}

beforeAll(async () => {
  mesh = await MeshHarness.start();
  [caller, , slow] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("backend", "v1", answer(0)), mesh.startInstance("backend", "v1", answer(SLOW_MS))]);
  await mesh.waitForEndpoints(caller, "backend", { v1: 2 });
});

afterAll(() => mesh?.close());

describe("load balancing between a fast and a slow instance", () => {
  it("round-robin gives each half, slow or not (control case)", async () => {
    await useBalancer("round-robin");
    const share = await slowShare();
    console.info(`round-robin: the slow instance answered ${(share * 100).toFixed(1)} % of ${N}`);
    // Round-robin alternates; allow the binomial spread of a fair coin in case it randomises its start.
    expect(Math.abs(share * N - N / 2)).toBeLessThanOrEqual(binomialBound(N, 0.5));
  });

  for (const balancer of ["least-request", "ewma"]) {
    it(`${balancer} sends the slow instance far fewer requests`, async () => {
      await useBalancer(balancer);
      const share = await slowShare();
      console.info(`${balancer}: the slow instance answered ${(share * 100).toFixed(1)} % of ${N}`);
      expect(share).toBeLessThan(0.2);
    });
  }
});
