import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countBy, MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "../integration/harness.ts";

/**
 * One of two instances dies 300 ms into a burst of 600 requests (10 at a time) through a caller's
 * agent: its app, or its agent (SIGKILL). The caller must stop choosing it at once, send what never
 * reached it elsewhere, and fail almost nothing: ≤ 1 %, and nothing once a second has passed.
 */
const REQUESTS = 600;
const CONCURRENCY = 10;
const KILL_AFTER_MS = 300;

let mesh: MeshHarness;
let caller: ServiceInstance;
const instances: Record<string, ServiceInstance[]> = {};

const policy = (service: string) => `
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ${service} }
spec:
  loadBalancer: round-robin
  retries: { attempts: 3, retryOn: [5xx, connect-failure, reset] }
`;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`${policy("reviews")}---${policy("ratings")}`);
  const started = await Promise.all([
    mesh.startInstance("frontend", "v1"),
    mesh.startInstance("reviews", "v1"),
    mesh.startInstance("reviews", "v1"),
    mesh.startInstance("ratings", "v1"),
    mesh.startInstance("ratings", "v1"),
  ]);
  caller = started[0];
  instances.reviews = started.slice(1, 3);
  instances.ratings = started.slice(3, 5);
  await Promise.all([mesh.waitForEndpoints(caller, "reviews", { v1: 2 }), mesh.waitForEndpoints(caller, "ratings", { v1: 2 })]);
  await waitForRevision(caller, revision!);
}, 180_000);

afterAll(() => mesh?.close());

interface Sent {
  /** Milliseconds after the kill (negative: before it). */
  sentAfterKill: number;
  outcome: string;
}

/** The burst, with `kill` run KILL_AFTER_MS into it; every request's outcome and when it was sent relative to the kill. */
async function burstWithKill(destination: string, kill: () => Promise<void>): Promise<Sent[]> {
  const results: { sentAt: number; outcome: string }[] = [];
  let next = 0;
  let killedAt = Infinity;
  const begin = performance.now();
  const killing = new Promise<void>((resolve, reject) =>
    setTimeout(() => {
      killedAt = performance.now();
      kill().then(resolve, reject);
    }, KILL_AFTER_MS),
  );
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const sentAt = performance.now();
      const outcome = await sendThrough(caller, destination, "/").then(
        (response) => (response.status === 200 ? "200" : `${response.status} ${String(response.headers["x-mesh-error"] ?? response.body.slice(0, 80))}`),
        (error: Error) => `transport: ${error.message}`,
      );
      results.push({ sentAt, outcome });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await killing;
  console.info(`[endpoint-loss] ${destination}: ${REQUESTS} requests in ${Math.round(performance.now() - begin)} ms, kill at ${Math.round(killedAt - begin)} ms`);
  return results.map(({ sentAt, outcome }) => ({ sentAfterKill: sentAt - killedAt, outcome }));
}

async function ejections(destination: string): Promise<string[]> {
  const metrics = await (await caller.adminGet("/metrics")).text();
  return metrics.split("\n").filter((line) => line.startsWith("mesh_endpoint_ejections_total{") && line.includes(`destination="${destination}"`));
}

function expectBarelyNoticed(destination: string, results: Sent[]): void {
  const failed = results.filter((r) => r.outcome !== "200");
  const afterKill = results.filter((r) => r.sentAfterKill >= 0);
  console.info(
    `[endpoint-loss] ${destination}: ${failed.length}/${results.length} failed (${afterKill.length} sent after the kill): ${JSON.stringify(countBy(results, (r) => r.outcome))}`,
  );
  expect(results).toHaveLength(REQUESTS);
  expect(afterKill.length).toBeGreaterThan(REQUESTS / 2);
  expect(failed.length).toBeLessThanOrEqual(REQUESTS / 100);
  expect(failed.filter((r) => r.sentAfterKill > 1000)).toEqual([]);
}

describe("one of two instances lost mid-traffic", () => {
  it("its app killed: the caller retries elsewhere and ejects the instance after consecutive errors", async () => {
    const [, dying] = instances.reviews!;
    const results = await burstWithKill("reviews", () => dying!.stopApp());
    expectBarelyNoticed("reviews", results);
    const ejected = await ejections("reviews");
    expect(ejected.join("\n")).toContain(`endpoint="127.0.0.1:${dying!.ports.inbound}",reason="consecutive-errors"`);
  });

  it("its agent killed (SIGKILL): the caller stops choosing it at the first failed connection and re-sends what never reached it", async () => {
    const [, dying] = instances.ratings!;
    const results = await burstWithKill("ratings", () => dying!.stopAgent("SIGKILL"));
    expectBarelyNoticed("ratings", results);
    const ejected = await ejections("ratings");
    expect(ejected.some((line) => line.includes(`endpoint="127.0.0.1:${dying!.ports.inbound}"`) && /reason="(connect-failure|reset)"/.test(line))).toBe(true);
  });
});
