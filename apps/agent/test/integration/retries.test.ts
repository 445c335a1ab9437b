import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, MeshHarness, sendMany, waitForRevision, type AppHandler, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;
let upstreamRequests = 0;

/** Every other request the app receives fails with 503: half of all attempts fail, and a retry lands on the next one. */
const halfFailing: AppHandler = (_req, res, instance) => {
  const fail = upstreamRequests++ % 2 === 1;
  res.writeHead(fail ? 503 : 200, { "content-type": "application/json" });
  res.end(JSON.stringify({ version: instance.version, failed: fail }));
};

const policy = (attempts: number) => `
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ratings }
spec:
  retries: { attempts: ${attempts}, retryOn: [5xx], budgetPercent: 100, backoff: { base: 5ms, max: 20ms } }
`;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(policy(3));
  [caller] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("ratings", "v1", halfFailing)]);
  await mesh.waitForEndpoints(caller, "ratings", { v1: 1 });
  await waitForRevision(caller, revision!);
});

afterAll(() => mesh?.close());

describe("retries", () => {
  it("turns a 50 % failing upstream into ≥ 99 % success with attempts: 3", async () => {
    upstreamRequests = 0;
    const responses = await sendMany(caller, "ratings", 400, { concurrency: 1 });
    const ok = responses.filter((r) => r.status === 200).length;
    console.info(`retries measured: ${ok}/400 succeeded, upstream saw ${upstreamRequests} attempts`);
    expect(ok / 400).toBeGreaterThanOrEqual(0.99);
    expect(upstreamRequests).toBeGreaterThan(400 * 1.3);
  });

  it("passes the failures through when retries are off", async () => {
    const revision = (await mesh.apply(policy(1)))!;
    await waitForRevision(caller, revision);
    const responses = await sendMany(caller, "ratings", 200, { concurrency: 1 });
    const byStatus = countBy(responses, (r) => String(r.status));
    expect(byStatus["503"]).toBe(100);
    expect(byStatus["200"]).toBe(100);
  });
});
