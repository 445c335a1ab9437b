import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { countBy, MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "../integration/harness.ts";

/**
 * One of two instances dies 300 ms into a burst of 600 requests (10 at a time) through a caller's
 * agent (or once a quarter of them are done, if the path is faster than that): its app, or its agent (SIGKILL). The caller must stop choosing it at once, send what never
 * reached it elsewhere, and fail almost nothing: ≤ 1 %, and nothing once a second has passed.
 */
const REQUESTS = 600;
const CONCURRENCY = 10;
const KILL_AFTER_MS = 300;
/** The kill comes no later than this many answers in, so most of the burst meets the loss however fast the path is. */
const KILL_AFTER_ANSWERS = REQUESTS / 4;

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

/** `count` requests, CONCURRENCY at a time: each one's outcome and when it was sent. */
async function wave(destination: string, count: number, onAnswer: (answered: number) => void = () => undefined): Promise<{ sentAt: number; outcome: string }[]> {
  const results: { sentAt: number; outcome: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const sentAt = performance.now();
      const outcome = await sendThrough(caller, destination, "/").then(
        (response) => (response.status === 200 ? "200" : `${response.status} ${String(response.headers["x-mesh-error"] ?? response.body.slice(0, 80))}`),
        (error: Error) => `transport: ${error.message}`,
      );
      results.push({ sentAt, outcome });
      onAnswer(results.length);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/**
 * The burst, with `kill` run KILL_AFTER_MS into it, then (the burst may end sooner) one more wave of 100 sent
 * once a second has passed since the kill; every request's outcome and when it was sent relative to the kill.
 */
async function burstWithKill(destination: string, kill: () => Promise<void>): Promise<{ burst: Sent[]; later: Sent[] }> {
  let killedAt = Infinity;
  const begin = performance.now();
  let startKill!: () => void;
  const killing = new Promise<void>((resolve, reject) => {
    startKill = () => {
      if (killedAt !== Infinity) return;
      killedAt = performance.now();
      kill().then(resolve, reject);
    };
  });
  const timer = setTimeout(startKill, KILL_AFTER_MS);
  const results = await wave(destination, REQUESTS, (answered) => answered >= KILL_AFTER_ANSWERS && startKill());
  clearTimeout(timer);
  await killing;
  console.info(`[endpoint-loss] ${destination}: ${REQUESTS} requests in ${Math.round(performance.now() - begin)} ms, kill at ${Math.round(killedAt - begin)} ms`);
  await waitFor(() => performance.now() > killedAt + 1000, { what: "a second since the kill" });
  const relative = ({ sentAt, outcome }: { sentAt: number; outcome: string }): Sent => ({ sentAfterKill: sentAt - killedAt, outcome });
  return { burst: results.map(relative), later: (await wave(destination, 100)).map(relative) };
}

/** The caller's log lines (pino JSON) saying it ejected `endpoint`. */
function ejectionLog(endpoint: string): string[] {
  return caller.agent.output().split("\n").filter((line) => line.includes('"msg":"endpoint ejected"') && line.includes(`"endpoint":"${endpoint}"`));
}

async function ejections(destination: string): Promise<string[]> {
  const metrics = await (await caller.adminGet("/metrics")).text();
  return metrics.split("\n").filter((line) => line.startsWith("mesh_endpoint_ejections_total{") && line.includes(`destination="${destination}"`));
}

function expectBarelyNoticed(destination: string, { burst, later }: { burst: Sent[]; later: Sent[] }): void {
  const failed = burst.filter((r) => r.outcome !== "200");
  const afterKill = burst.filter((r) => r.sentAfterKill >= 0);
  console.info(
    `[endpoint-loss] ${destination}: ${failed.length}/${burst.length} failed (${afterKill.length} sent after the kill): ${JSON.stringify(countBy(burst, (r) => r.outcome))}; ` +
      `${later.length} sent 1 s+ after it: ${JSON.stringify(countBy(later, (r) => r.outcome))}`,
  );
  expect(burst).toHaveLength(REQUESTS);
  expect(afterKill.length).toBeGreaterThan(REQUESTS / 2);
  expect(failed.length).toBeLessThanOrEqual(REQUESTS / 100);
  const afterOneSecond = [...burst, ...later].filter((r) => r.sentAfterKill > 1000);
  expect(countBy(afterOneSecond, (r) => r.outcome)).toEqual({ "200": afterOneSecond.length });
}

describe("one of two instances lost mid-traffic", () => {
  it("its app killed: the caller retries elsewhere and ejects the instance after consecutive errors", async () => {
    const [, dying] = instances.reviews!;
    const results = await burstWithKill("reviews", () => dying!.stopApp());
    expectBarelyNoticed("reviews", results);
    const ejected = await ejections("reviews");
    expect(ejected.join("\n")).toContain(`endpoint="127.0.0.1:${dying!.ports.inbound}",reason="consecutive-errors"`);
    expect(ejectionLog(`127.0.0.1:${dying!.ports.inbound}`).join("\n")).toContain('"reason":"consecutive-errors"');
  });

  it("its agent killed (SIGKILL): the caller stops choosing it at the first failed connection and re-sends what never reached it", async () => {
    const [, dying] = instances.ratings!;
    const results = await burstWithKill("ratings", () => dying!.stopAgent("SIGKILL"));
    expectBarelyNoticed("ratings", results);
    const ejected = await ejections("ratings");
    expect(ejected.some((line) => line.includes(`endpoint="127.0.0.1:${dying!.ports.inbound}"`) && /reason="(connect-failure|reset)"/.test(line))).toBe(true);
    expect(ejectionLog(`127.0.0.1:${dying!.ports.inbound}`).join("\n")).toMatch(/"reason":"(connect-failure|reset)"/);
  });
});
