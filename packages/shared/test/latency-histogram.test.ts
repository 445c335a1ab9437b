import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LATENCY_BUCKETS_MS,
  LATENCY_BUCKET_COUNT,
  emptyLatencyCounts,
  latencyBucketIndex,
  latencyQuantile,
  mergeLatencyCounts,
  recordLatency,
  totalCount,
} from "../src/index.ts";

/** The exact q-quantile of a sample, by the same rank rule the histogram uses (ceil(q·n)-th smallest). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function histogramOf(samples: number[]) {
  const counts = emptyLatencyCounts();
  for (const sample of samples) recordLatency(counts, sample);
  return counts;
}

describe("latency histogram", () => {
  it("has fine buckets from 0.1 ms to two minutes, each about 10% wider than the one before", () => {
    expect(LATENCY_BUCKETS_MS[0]).toBe(0.1);
    expect(LATENCY_BUCKETS_MS.at(-1)).toBeGreaterThanOrEqual(120_000);
    expect(LATENCY_BUCKETS_MS.at(-2)).toBeLessThan(120_000);
    for (let i = 1; i < LATENCY_BUCKETS_MS.length; i++) {
      expect(LATENCY_BUCKETS_MS[i]! / LATENCY_BUCKETS_MS[i - 1]!).toBeCloseTo(1.1, 3);
    }
    expect(LATENCY_BUCKET_COUNT).toBe(LATENCY_BUCKETS_MS.length + 1);
  });

  it("puts a duration in the first bucket whose upper bound holds it, and beyond the last into the overflow", () => {
    expect(latencyBucketIndex(0)).toBe(0);
    expect(latencyBucketIndex(0.1)).toBe(0);
    expect(latencyBucketIndex(0.1000001)).toBe(1);
    expect(latencyBucketIndex(1_000_000)).toBe(LATENCY_BUCKET_COUNT - 1);
    fc.assert(
      fc.property(fc.double({ min: 0.0001, max: 119_000, noNaN: true }), (ms) => {
        const i = latencyBucketIndex(ms);
        expect(ms).toBeLessThanOrEqual(LATENCY_BUCKETS_MS[i]!);
        if (i > 0) expect(ms).toBeGreaterThan(LATENCY_BUCKETS_MS[i - 1]!);
      }),
    );
    for (const bound of LATENCY_BUCKETS_MS) expect(LATENCY_BUCKETS_MS[latencyBucketIndex(bound)]).toBe(bound);
  });

  it("reads any quantile back within 10% (one bucket) of the exact sample quantile", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.2, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99, 1),
        (samples, q) => {
          const estimate = latencyQuantile(histogramOf(samples), q)!;
          const exact = exactQuantile([...samples].sort((a, b) => a - b), q);
          expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(0.1);
        },
      ),
    );
  });

  it("is within 2% for p50/p95/p99 of a realistic (log-normal) latency distribution", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const samples = Array.from({ length: 50_000 }, () => {
      const normal = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
      return Math.exp(Math.log(20) + 0.8 * normal);
    });
    const counts = histogramOf(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(latencyQuantile(counts, q)! - exact) / exact).toBeLessThan(0.02);
    }
  });

  it("merges histograms bucket by bucket, the same as recording everything into one", () => {
    const a = [1, 2, 3, 50, 900];
    const b = [4, 5, 6000, 0.05];
    expect(mergeLatencyCounts([histogramOf(a), histogramOf(b)])).toEqual(histogramOf([...a, ...b]));
    expect(totalCount(mergeLatencyCounts([histogramOf(a), histogramOf(b)]))).toBe(9);
    expect(() => mergeLatencyCounts([[1, 2, 3]])).toThrow(/has 3 buckets, expected/);
  });

  it("answers null for an empty histogram and refuses a quantile outside 0..1", () => {
    expect(latencyQuantile(emptyLatencyCounts(), 0.5)).toBeNull();
    expect(() => latencyQuantile(emptyLatencyCounts(), 1.5)).toThrow(/between 0 and 1/);
  });

  it("reads the overflow bucket as the last bound rather than inventing a value", () => {
    expect(latencyQuantile(histogramOf([500_000]), 0.5)).toBe(LATENCY_BUCKETS_MS.at(-1));
  });
});
