import { addLatencyCounts, emptyLatencyCounts, recordLatency, rollupBucketStart, type MetricRollupReport } from "@mesh/shared";
import type { RequestRecord } from "../state.ts";

/**
 * Requests summed into 10-second rollups per edge and side, in memory, until a report takes them.
 * Reports carry deltas: the control plane adds them up, so a bucket may be reported in several parts.
 */
export class RollupAggregator {
  private rollups = new Map<string, MetricRollupReport>();
  private droppedSinceTaken = 0;

  constructor(private readonly maxRollups: number) {}

  get size(): number {
    return this.rollups.size;
  }

  add(record: RequestRecord): void {
    const bucketStart = rollupBucketStart(record.startTime);
    const key = rollupKey(bucketStart, record);
    let rollup = this.rollups.get(key);
    if (!rollup) {
      if (this.rollups.size >= this.maxRollups) return void this.droppedSinceTaken++;
      rollup = {
        bucketStart,
        direction: record.direction,
        source: record.source,
        destination: record.destination,
        destinationVersion: record.destinationVersion,
        statusCounts: {},
        latencyBuckets: emptyLatencyCounts(),
        latencySumMs: 0,
        mtls: true,
      };
      this.rollups.set(key, rollup);
    }
    const status = String(record.status);
    rollup.statusCounts[status] = (rollup.statusCounts[status] ?? 0) + 1;
    recordLatency(rollup.latencyBuckets, record.durationMs);
    rollup.latencySumMs += record.durationMs;
    rollup.mtls &&= record.mtls;
  }

  /** Removes and returns up to `max` rollups, oldest buckets first. */
  take(max: number): MetricRollupReport[] {
    const taken = [...this.rollups.entries()].sort(([, a], [, b]) => a.bucketStart - b.bucketStart).slice(0, max);
    for (const [key] of taken) this.rollups.delete(key);
    return taken.map(([, rollup]) => rollup);
  }

  /** Adds back rollups whose report failed, merging with what arrived meanwhile. */
  restore(rollups: MetricRollupReport[]): void {
    for (const rollup of rollups) {
      const key = rollupKey(rollup.bucketStart, rollup);
      const current = this.rollups.get(key);
      if (!current) {
        if (this.rollups.size >= this.maxRollups) this.droppedSinceTaken++;
        else this.rollups.set(key, rollup);
        continue;
      }
      for (const [status, count] of Object.entries(rollup.statusCounts)) current.statusCounts[status] = (current.statusCounts[status] ?? 0) + count;
      addLatencyCounts(current.latencyBuckets, rollup.latencyBuckets);
      current.latencySumMs += rollup.latencySumMs;
      current.mtls &&= rollup.mtls;
    }
  }

  takeDropped(): number {
    const dropped = this.droppedSinceTaken;
    this.droppedSinceTaken = 0;
    return dropped;
  }

  restoreDropped(count: number): void {
    this.droppedSinceTaken += count;
  }
}

type Edge = Pick<MetricRollupReport, "direction" | "source" | "destination" | "destinationVersion">;

function rollupKey(bucketStart: number, r: Edge): string {
  return `${bucketStart}\u0001${r.direction}\u0001${r.source}\u0001${r.destination}\u0001${r.destinationVersion}`;
}
