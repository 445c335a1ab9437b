import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "../../../src/discovery/backoff.ts";

describe("reconnect backoff", () => {
  it("grows exponentially from the base and never exceeds the cap", () => {
    expect(backoffDelay(0, { baseMs: 200, capMs: 5000 })).toBeGreaterThanOrEqual(100);
    expect(backoffDelay(0, { baseMs: 200, capMs: 5000 })).toBeLessThanOrEqual(200);
    expect(backoffDelay(3, { baseMs: 200, capMs: 5000 })).toBeGreaterThanOrEqual(800);
    for (let attempt = 0; attempt < 100; attempt++) expect(backoffDelay(attempt, { baseMs: 200, capMs: 5000 })).toBeLessThanOrEqual(5000);
  });

  it("spreads agents apart with jitter", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(10)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it("wakes early when aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
