/**
 * Latency histograms on fine log-scale buckets: each bucket is 10% wider than the one before, from
 * 0.1 ms to about 2 minutes, so a percentile read back from stored, merged rollups is within a few
 * percent of the true one. Agents record into them; the control plane adds them up and reads quantiles.
 */

const FIRST_BOUND_MS = 0.1;
const GROWTH = 1.1;
const LAST_BOUND_MS = 120_000;

/** Upper bounds (inclusive, ms) of every finite bucket; the histogram has one more bucket for slower requests. */
export const LATENCY_BUCKETS_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let i = 0; ; i++) {
    const bound = Number((FIRST_BOUND_MS * GROWTH ** i).toPrecision(6));
    bounds.push(bound);
    if (bound >= LAST_BOUND_MS) return Object.freeze(bounds);
  }
})();

/** Length of a histogram's counts: the finite buckets plus the overflow bucket. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKETS_MS.length + 1;

/** Counts per bucket, LATENCY_BUCKET_COUNT long. */
export type LatencyCounts = number[];

export function emptyLatencyCounts(): LatencyCounts {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** The bucket a duration falls in: the first whose upper bound is ≥ the duration. */
export function latencyBucketIndex(durationMs: number): number {
  if (!(durationMs > FIRST_BOUND_MS)) return 0;
  const last = LATENCY_BUCKETS_MS.length;
  let index = Math.min(last, Math.ceil(Math.log(durationMs / FIRST_BOUND_MS) / Math.log(GROWTH)));
  // The logarithm can land one off the rounded bounds; settle on the exact bucket.
  while (index > 0 && durationMs <= LATENCY_BUCKETS_MS[index - 1]!) index--;
  while (index < last && durationMs > LATENCY_BUCKETS_MS[index]!) index++;
  return index;
}

export function recordLatency(counts: LatencyCounts, durationMs: number): void {
  const index = latencyBucketIndex(durationMs);
  counts[index] = (counts[index] ?? 0) + 1;
}

/** Adds `source` into `target`, bucket by bucket. */
export function addLatencyCounts(target: LatencyCounts, source: readonly number[]): void {
  if (source.length !== LATENCY_BUCKET_COUNT) {
    throw new Error(`latency histogram has ${source.length} buckets, expected ${LATENCY_BUCKET_COUNT}`);
  }
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) target[i] = (target[i] ?? 0) + source[i]!;
}

export function mergeLatencyCounts(histograms: Iterable<readonly number[]>): LatencyCounts {
  const merged = emptyLatencyCounts();
  for (const histogram of histograms) addLatencyCounts(merged, histogram);
  return merged;
}

export function totalCount(counts: readonly number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  return total;
}

/**
 * The q-quantile (0..1) in ms, interpolating linearly inside the bucket that holds it (as Prometheus'
 * histogram_quantile does); null for an empty histogram. The overflow bucket reads as the last bound.
 */
export function latencyQuantile(counts: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be between 0 and 1, got ${q}`);
  const total = totalCount(counts);
  if (total === 0) return null;
  const rank = Math.max(q * total, Number.MIN_VALUE);
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0 && below + count >= rank) {
      if (i >= LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      const upper = LATENCY_BUCKETS_MS[i]!;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}
