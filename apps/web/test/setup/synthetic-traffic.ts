import { emptyLatencyCounts, recordLatency, ROLLUP_INTERVAL_MS, rollupBucketStart, type MetricRollupReport } from "@mesh/shared";
import type { DemoEdge } from "./demo-mesh.ts";

/** Deterministic pseudo-random numbers, so every run seeds the same figures. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** Log-normal-ish latency around a median: most requests near it, a tail up to ~4x. */
function latency(random: () => number, medianMs: number): number {
  const gaussian = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
  return medianMs * Math.exp(0.35 * gaussian);
}

/**
 * What the agents on both ends of `edge` would report for the last `windowMs`: one rollup per
 * 10-second bucket, direction and destination version.
 */
export function rollupsFor(edge: DemoEdge, windowMs: number, now: number, random: () => number): MetricRollupReport[] {
  const rollups: MetricRollupReport[] = [];
  const last = rollupBucketStart(now) - ROLLUP_INTERVAL_MS;
  for (let bucket = last - windowMs + ROLLUP_INTERVAL_MS; bucket <= last; bucket += ROLLUP_INTERVAL_MS) {
    for (const [version, share] of Object.entries(edge.versions)) {
      const requests = Math.round(edge.rps * share * (ROLLUP_INTERVAL_MS / 1000) * (0.85 + random() * 0.3));
      if (requests === 0) continue;
      const errors = Math.round(requests * edge.errorRate * (0.5 + random()));
      const latencyBuckets = emptyLatencyCounts();
      let latencySumMs = 0;
      for (let i = 0; i < requests; i++) {
        const ms = latency(random, edge.medianMs);
        recordLatency(latencyBuckets, ms);
        latencySumMs += ms;
      }
      const statusCounts: Record<string, number> = {};
      if (requests - errors > 0) statusCounts["200"] = requests - errors;
      if (errors > 0) statusCounts["503"] = errors;
      for (const direction of ["outbound", "inbound"] as const) {
        rollups.push({
          bucketStart: bucket,
          direction,
          source: edge.source,
          destination: edge.destination,
          destinationVersion: version,
          statusCounts,
          latencyBuckets,
          latencySumMs,
          mtls: edge.mtls,
        });
      }
    }
  }
  return rollups;
}
