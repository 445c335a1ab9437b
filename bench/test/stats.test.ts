import { expect, it } from "vitest";
import { distribution } from "../stats.ts";

it("takes nearest-rank percentiles whatever the order of the values", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(distribution(values)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
});

it("counts a value that never came (infinitely late) in the upper percentiles", () => {
  const values = [...Array.from({ length: 99 }, () => 10), Number.POSITIVE_INFINITY];
  const result = distribution(values);
  expect(result.p99).toBe(10);
  expect(result.max).toBe(Number.POSITIVE_INFINITY);
});

it("says NaN, not zero, when there is nothing to measure", () => {
  expect(distribution([]).p50).toBeNaN();
});
