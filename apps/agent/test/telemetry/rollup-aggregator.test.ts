import { describe, expect, it } from "vitest";
import { latencyQuantile, telemetryReportSchema } from "@mesh/shared";
import { RollupAggregator } from "../../src/telemetry/rollup-aggregator.ts";
import { requestRecord } from "./record-fixture.ts";

describe("10-second metric rollups", () => {
  it("sums requests per bucket, side and edge, with status counts, latency histogram and mTLS", () => {
    const rollups = new RollupAggregator(100);
    const t = Date.UTC(2026, 10, 26, 4, 0, 0);
    rollups.add(requestRecord({ startTime: t + 1000, durationMs: 10 }));
    rollups.add(requestRecord({ startTime: t + 9999, durationMs: 30, status: 503, cause: "no-healthy-endpoints" }));
    rollups.add(requestRecord({ startTime: t + 10_000, durationMs: 20 }));
    rollups.add(requestRecord({ startTime: t + 2000, direction: "inbound", source: "a", destination: "b", mtls: false }));
    rollups.add(requestRecord({ startTime: t + 3000, destinationVersion: "v2" }));

    const taken = rollups.take(100);
    expect(taken).toHaveLength(4);
    expect(rollups.size).toBe(0);
    const first = taken.find((r) => r.bucketStart === t && r.direction === "outbound" && r.destinationVersion === "v1")!;
    expect(first.statusCounts).toEqual({ "200": 1, "503": 1 });
    expect(first.latencySumMs).toBe(40);
    expect(latencyQuantile(first.latencyBuckets, 1)! / 30).toBeCloseTo(1, 1);
    expect(taken.find((r) => r.direction === "inbound")!.mtls).toBe(false);
    expect(taken.find((r) => r.bucketStart === t + 10_000)!.statusCounts).toEqual({ "200": 1 });
    // What the aggregator produces is what the control plane accepts.
    expect(telemetryReportSchema.safeParse({ rollups: taken, accessLogs: [] }).success).toBe(true);
  });

  it("merges a failed report back in with what arrived meanwhile", () => {
    const rollups = new RollupAggregator(100);
    rollups.add(requestRecord({ status: 200 }));
    const failed = rollups.take(10);
    rollups.add(requestRecord({ status: 500 }));
    rollups.restore(failed);
    const [merged] = rollups.take(10);
    expect(merged!.statusCounts).toEqual({ "200": 1, "500": 1 });
  });

  it("stays bounded: new edges beyond the limit are dropped and counted, known ones keep counting", () => {
    const rollups = new RollupAggregator(2);
    rollups.add(requestRecord({ destination: "b" }));
    rollups.add(requestRecord({ destination: "c" }));
    rollups.add(requestRecord({ destination: "d" }));
    rollups.add(requestRecord({ destination: "b" }));
    expect(rollups.size).toBe(2);
    expect(rollups.takeDropped()).toBe(1);
    expect(rollups.takeDropped()).toBe(0);
    expect(rollups.take(10).find((r) => r.destination === "b")!.statusCounts).toEqual({ "200": 2 });
  });
});
