import { addLatencyCounts, emptyLatencyCounts, latencyQuantile, type LatencyCounts } from "@mesh/shared";

/** The numbers a set of rollups adds up to. */
export interface RedStats {
  requests: number;
  requestsPerSecond: number;
  /** Server errors (5xx, no answer), 0..100; null without requests. */
  errorPercent: number | null;
  /** Client errors (4xx: denied, rate-limited, not found…), 0..100; null without requests. */
  clientErrorPercent: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface RollupLike {
  bucketStart: Date;
  requests: number;
  errors: number;
  statusCounts: unknown;
  latencyBuckets: number[];
  mtls: boolean;
}

/** Sums of rollups, kept mergeable until the quantiles are read. */
export class RollupTotals {
  requests = 0;
  errors = 0;
  clientErrors = 0;
  mtls = true;
  readonly latency: LatencyCounts = emptyLatencyCounts();
  readonly statusCounts: Record<string, number> = {};

  add(rollup: RollupLike): void {
    this.requests += rollup.requests;
    this.errors += rollup.errors;
    this.mtls &&= rollup.mtls;
    addLatencyCounts(this.latency, rollup.latencyBuckets);
    for (const [status, count] of Object.entries((rollup.statusCounts ?? {}) as Record<string, number>)) {
      this.statusCounts[status] = (this.statusCounts[status] ?? 0) + count;
      if (status.startsWith("4") && status.length === 3) this.clientErrors += count;
    }
  }

  stats(seconds: number): RedStats {
    return {
      requests: this.requests,
      requestsPerSecond: seconds > 0 ? this.requests / seconds : 0,
      errorPercent: this.requests > 0 ? (100 * this.errors) / this.requests : null,
      clientErrorPercent: this.requests > 0 ? (100 * this.clientErrors) / this.requests : null,
      p50Ms: latencyQuantile(this.latency, 0.5),
      p95Ms: latencyQuantile(this.latency, 0.95),
      p99Ms: latencyQuantile(this.latency, 0.99),
    };
  }
}

export interface RedPoint extends RedStats {
  /** Epoch ms at the start of the step. */
  time: number;
}

/** One point per step from `from` (aligned down to the step) to `to`, empty steps included. */
export function redSeries(rollups: RollupLike[], from: number, to: number, stepMs: number): RedPoint[] {
  const first = Math.floor(from / stepMs) * stepMs;
  const steps = new Map<number, RollupTotals>();
  for (const rollup of rollups) {
    const time = Math.floor(rollup.bucketStart.getTime() / stepMs) * stepMs;
    let totals = steps.get(time);
    if (!totals) steps.set(time, (totals = new RollupTotals()));
    totals.add(rollup);
  }
  const points: RedPoint[] = [];
  for (let time = first; time < to; time += stepMs) {
    points.push({ time, ...(steps.get(time) ?? new RollupTotals()).stats(stepMs / 1000) });
  }
  return points;
}
