import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { backoffMs, isRetryableFailure, isRetryableStatus, mayRetryMethod, retryConditionsFor } from "../../../src/resilience/retry.ts";
import { RetryBudget } from "../../../src/resilience/retry-budget.ts";
import { httpCall, trafficPolicy } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

describe("retry decisions", () => {
  it("matches statuses the way Envoy's retryOn words mean", () => {
    expect(isRetryableStatus(503, ["5xx"])).toBe(true);
    expect(isRetryableStatus(500, ["gateway-error"])).toBe(false);
    expect(isRetryableStatus(504, ["gateway-error"])).toBe(true);
    expect(isRetryableStatus(409, ["retriable-4xx"])).toBe(true);
    expect(isRetryableStatus(404, ["5xx", "gateway-error", "retriable-4xx"])).toBe(false);
    expect(isRetryableFailure("connect-failure", ["connect-failure"])).toBe(true);
    expect(isRetryableFailure("reset", ["5xx"])).toBe(false);
    expect(isRetryableFailure("per-try-timeout", ["5xx"])).toBe(true);
  });

  it("retries only idempotent methods unless the policy says otherwise", () => {
    const policy = trafficPolicy({ retries: { attempts: 3 } }).retries!;
    expect(mayRetryMethod("GET", policy)).toBe(true);
    expect(mayRetryMethod("PUT", policy)).toBe(true);
    expect(mayRetryMethod("POST", policy)).toBe(false);
    expect(mayRetryMethod("POST", { ...policy, retryNonIdempotent: true })).toBe(true);
  });

  it("retries a non-idempotent request only when it never reached a peer (connect-failure)", () => {
    const policy = trafficPolicy({ retries: { attempts: 3, retryOn: ["5xx", "connect-failure", "reset"] } }).retries!;
    expect(retryConditionsFor("GET", policy)).toEqual(["5xx", "connect-failure", "reset"]);
    expect(retryConditionsFor("POST", policy)).toEqual(["connect-failure"]);
    expect(retryConditionsFor("POST", { ...policy, retryOn: ["5xx"] })).toEqual([]);
    expect(retryConditionsFor("POST", { ...policy, retryNonIdempotent: true })).toEqual(["5xx", "connect-failure", "reset"]);
  });

  it("backs off exponentially with full jitter, capped", () => {
    expect(backoffMs(1, 25, 250, 0.999)).toBeCloseTo(25, 0);
    expect(backoffMs(3, 25, 250, 0.999)).toBeCloseTo(100, 0);
    expect(backoffMs(8, 25, 250, 0.999)).toBeCloseTo(250, 0);
    expect(backoffMs(3, 25, 250, 0)).toBe(0);
  });
});

describe("retry budget", () => {
  it("allows retries up to the percentage of recent requests, then refuses", () => {
    const budget = new RetryBudget(20, 0);
    for (let i = 0; i < 100; i++) budget.recordRequest(1000);
    const granted = Array.from({ length: 30 }, () => budget.tryRetry(1000)).filter(Boolean).length;
    expect(granted).toBe(20);
  });

  it("forgets requests older than ten seconds", () => {
    const budget = new RetryBudget(50, 0);
    for (let i = 0; i < 10; i++) budget.recordRequest(0);
    expect(budget.tryRetry(9_999)).toBe(true);
    expect(budget.tryRetry(20_000)).toBe(false);
  });

  it("lets a quiet service retry a little (the floor)", () => {
    const budget = new RetryBudget(20, 3);
    budget.recordRequest(0);
    expect([budget.tryRetry(0), budget.tryRetry(0), budget.tryRetry(0), budget.tryRetry(0)]).toEqual([true, true, true, false]);
  });
});

describe("retries through the data plane", () => {
  let mesh: SmallMesh;
  /** Per-path count of requests the app saw, so each test has its own failure script. */
  const failFirst = new Map<string, number>();

  beforeAll(async () => {
    mesh = await startSmallMesh([
      {
        version: "v1",
        respond: (seen) => {
          const left = failFirst.get(seen.url) ?? 0;
          if (left > 0) {
            failFirst.set(seen.url, left - 1);
            return { status: 503, body: "busy" };
          }
          return { status: 200, body: `ok ${seen.method} ${seen.body}` };
        },
      },
    ]);
  });
  afterAll(() => mesh.close());
  beforeEach(() => mesh.setPolicy({ retries: { attempts: 3, retryOn: ["5xx"], backoff: { base: "1ms", max: "5ms" } } }));

  const seenCount = (path: string): number => mesh.apps[0]!.seen.filter((s) => s.url === path).length;

  it("turns a 503 then 200 into a success", async () => {
    failFirst.set("/flaky", 1);
    const reply = await httpCall(mesh.outboundPort, "/flaky", { headers: { host: "server" } });
    expect(reply.status).toBe(200);
    expect(seenCount("/flaky")).toBe(2);
    expect(mesh.records.findLast((r) => r.direction === "outbound" && r.path === "/flaky")!.attempts).toBe(2);
  });

  it("replays a small buffered body on retry when the policy allows non-idempotent retries", async () => {
    mesh.setPolicy({ retries: { attempts: 3, retryOn: ["5xx"], retryNonIdempotent: true, backoff: { base: "1ms", max: "5ms" } } });
    failFirst.set("/post-ok", 1);
    const reply = await httpCall(mesh.outboundPort, "/post-ok", { method: "POST", headers: { host: "server", "content-type": "text/plain" }, body: "hello" });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("ok POST hello");
    expect(mesh.apps[0]!.seen.filter((s) => s.url === "/post-ok").map((s) => s.body)).toEqual(["hello", "hello"]);
  });

  it("does not retry a POST by default", async () => {
    failFirst.set("/post", 1);
    const reply = await httpCall(mesh.outboundPort, "/post", { method: "POST", headers: { host: "server" }, body: "x" });
    expect(reply.status).toBe(503);
    expect(seenCount("/post")).toBe(1);
  });

  it("stops retrying when the budget is spent", async () => {
    mesh.setPolicy({ retries: { attempts: 3, retryOn: ["5xx"], budgetPercent: 0, backoff: { base: "1ms", max: "5ms" } } });
    failFirst.set("/always", 1_000_000);
    for (let i = 0; i < 40; i++) await httpCall(mesh.outboundPort, "/always", { headers: { host: "server" } });
    const requests = 40;
    const retries = seenCount("/always") - requests;
    // budgetPercent 0 leaves only the floor of 10 retries per 10 s window.
    expect(retries).toBeLessThanOrEqual(10);
    expect(retries).toBeGreaterThan(0);
  });
});
