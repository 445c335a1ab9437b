import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coalescedTask } from "../../src/config-push/coalesced-task.ts";
import { LatestValue } from "../../src/config-push/latest-value.ts";

describe("coalescedTask", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("folds a burst of requests into one run, and requests during a run into exactly one more", async () => {
    let release: () => void = () => {};
    let runs = 0;
    const task = coalescedTask(
      () => {
        runs++;
        return new Promise<void>((resolve) => (release = resolve));
      },
      { delayMs: 10, retryMs: 1000, onError: () => {} },
    );
    for (let i = 0; i < 50; i++) task.request();
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);

    for (let i = 0; i < 50; i++) task.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1); // still running: nothing overlaps
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    await task.stop();
  });

  it("retries a failed run after retryMs and reports the error", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = coalescedTask(
      async () => {
        runs++;
        if (runs === 1) throw new Error("database away");
      },
      { delayMs: 10, retryMs: 1000, onError: (error) => errors.push(error) },
    );
    task.request();
    await vi.advanceTimersByTimeAsync(10);
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await task.stop();
  });
});

describe("LatestValue", () => {
  it("hands a slow reader only the newest value, and ends on abort", async () => {
    const box = new LatestValue<number>();
    box.set(1);
    box.set(2);
    expect(await box.take()).toBe(2);
    const waiting = box.take();
    box.set(3);
    expect(await waiting).toBe(3);
    const abort = new AbortController();
    const pending = box.take(abort.signal);
    abort.abort();
    expect(await pending).toBeUndefined();
  });
});
