import { describe, expect, it } from "vitest";
import { emptyLatencyCounts, recordLatency, rollupBucketStart, telemetryReportSchema } from "../src/index.ts";

function rollup(overrides: Record<string, unknown> = {}) {
  const latencyBuckets = emptyLatencyCounts();
  recordLatency(latencyBuckets, 12);
  recordLatency(latencyBuckets, 40);
  return {
    bucketStart: rollupBucketStart(Date.UTC(2026, 10, 26, 4, 0, 7)),
    direction: "outbound",
    source: "a",
    destination: "b",
    destinationVersion: "v1",
    statusCounts: { "200": 1, "503": 1 },
    latencyBuckets,
    latencySumMs: 52,
    mtls: true,
    ...overrides,
  };
}

const log = {
  time: Date.UTC(2026, 10, 26, 4, 0, 7),
  direction: "inbound",
  source: "a",
  destination: "b",
  version: "v1",
  method: "GET",
  path: "/x",
  status: 200,
  durationMs: 3.2,
  cause: null,
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
};

describe("telemetry report contract", () => {
  it("accepts a report of rollups and access logs, defaulting the drop counters", () => {
    const report = telemetryReportSchema.parse({ rollups: [rollup()], accessLogs: [log] });
    expect(report.dropped).toEqual({ spans: 0, rollups: 0, accessLogs: 0 });
    expect(report.rollups[0]!.bucketStart % 10_000).toBe(0);
  });

  it("names the field that is wrong", () => {
    const cases: [unknown, RegExp][] = [
      [{ rollups: [rollup({ bucketStart: 1234 })], accessLogs: [] }, /bucketStart.*multiple of 10000/s],
      [{ rollups: [rollup({ latencyBuckets: [1, 1] })], accessLogs: [] }, /latencyBuckets/],
      [{ rollups: [rollup({ statusCounts: { "200": 5 } })], accessLogs: [] }, /count the same requests/],
      [{ rollups: [rollup({ direction: "sideways" })], accessLogs: [] }, /outbound or inbound/],
      [{ rollups: [], accessLogs: [{ ...log, traceId: "xyz" }] }, /traceId.*32 lowercase hex/s],
    ];
    for (const [input, message] of cases) {
      const result = telemetryReportSchema.safeParse(input);
      expect(result.success).toBe(false);
      const text = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
      expect(text).toMatch(message);
    }
  });
});
