import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyLatencyCounts, recordLatency, rollupBucketStart, type TelemetryReport } from "@mesh/shared";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { otlpRequest, postOtlp, randomSpanId, randomTraceId, registerAgent } from "./otlp-helpers.ts";

const HOUR = 3_600_000;

let mesh: TestControlPlane;
let admin: Record<string, string>;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  admin = { authorization: `Bearer ${mesh.controlPlane.adminToken}` };
});
afterAll(() => mesh?.close());

const storedSpans = (traceId: string) => mesh.controlPlane.deps.prisma.span.count({ where: { traceId } });

function rollupAt(bucketStart: number, destination: string): TelemetryReport["rollups"][number] {
  const latencyBuckets = emptyLatencyCounts();
  recordLatency(latencyBuckets, 5);
  return { bucketStart, direction: "outbound", source: "a", destination, destinationVersion: "v1", statusCounts: { "200": 1 }, latencyBuckets, latencySumMs: 5, mtls: true };
}

function accessLogAt(time: number, path: string): TelemetryReport["accessLogs"][number] {
  return { time, direction: "outbound", source: "a", destination: "b", version: "v1", method: "GET", path, status: 200, durationMs: 5, cause: null, traceId: null };
}

describe("telemetry older than the retention is refused on arrival, not stored and then pruned", () => {
  it("/v1/traces stores the fresh spans of a batch and counts the old ones in OTLP partialSuccess", async () => {
    const now = Date.now();
    const [fresh, dayOld, old] = [randomTraceId(), randomTraceId(), randomTraceId()];
    const freshRoot = randomSpanId();
    const oldRoot = randomSpanId();
    const request = otlpRequest("batcher", [
      { traceId: fresh, spanId: freshRoot, name: "GET /", startMs: now - 1000, durationMs: 10, status: 200 },
      { traceId: fresh, spanId: randomSpanId(), parentSpanId: freshRoot, name: "GET /inner", startMs: now - 995, durationMs: 4, status: 200 },
      // Inside the default 24 h: an exporter that was offline for most of a day still gets it stored.
      { traceId: dayOld, spanId: randomSpanId(), name: "GET /late", startMs: now - 23 * HOUR, durationMs: 1, status: 200 },
      { traceId: old, spanId: oldRoot, name: "GET /old", startMs: now - 48 * HOUR, durationMs: 3, status: 200 },
      { traceId: old, spanId: randomSpanId(), parentSpanId: oldRoot, name: "GET /old-inner", startMs: now - 48 * HOUR + 1, durationMs: 1, status: 200 },
    ]);
    const response = await postOtlp(mesh.controlPlane.url, JSON.stringify(request), admin);
    // 200, not 4xx: the exporter must not retry, a retry would be refused the same way.
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess?: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess?.rejectedSpans).toBe(2);
    expect(body.partialSuccess?.errorMessage).toMatch(/^2 spans not stored: older than the telemetry retention \(24h, cutoff \d{4}-\d\d-\d\dT/);

    expect((await mesh.admin.traces.get.query({ traceId: fresh })).spanCount).toBe(2);
    expect(await storedSpans(dayOld)).toBe(1);
    expect(await storedSpans(old)).toBe(0);
    await expect(mesh.admin.traces.get.query({ traceId: old })).rejects.toThrow(/no spans stored for trace/);
  });

  it("telemetry.report stores the fresh rollups and access logs of a report and counts the old ones", async () => {
    const agent = mesh.client(await registerAgent(mesh, "a"));
    const now = Date.now();
    const freshBucket = rollupBucketStart(now - 60_000);
    const oldBucket = rollupBucketStart(now - 48 * HOUR);
    const answer = await agent.telemetry.report.mutate({
      rollups: [rollupAt(freshBucket, "b"), rollupAt(oldBucket, "b")],
      accessLogs: [accessLogAt(now - 2000, "/fresh"), accessLogAt(now - 25 * HOUR, "/old")],
    });
    expect(answer).toMatchObject({ rollups: 1, accessLogs: 1, partialSuccess: { rejectedRollups: 1, rejectedAccessLogs: 1 } });
    expect(answer.partialSuccess?.errorMessage).toMatch(/^1 rollup and 1 access-log line not stored: older than the telemetry retention \(24h/);

    const edge = { edge: { source: "a", destination: "b" } };
    expect((await mesh.admin.metrics.red.query({ ...edge, from: freshBucket, to: now })).totals.requests).toBe(1);
    expect((await mesh.admin.metrics.red.query({ ...edge, from: oldBucket - 60_000, to: oldBucket + 60_000 })).totals.requests).toBe(0);
    const logs = await mesh.admin.logs.search.query({ service: "a", from: now - 49 * HOUR, to: now });
    expect(logs.map((line) => line.path)).toEqual(["/fresh"]);

    // A report with nothing too old answers as before, without partialSuccess.
    expect(await agent.telemetry.report.mutate({ rollups: [rollupAt(freshBucket, "c")], accessLogs: [] })).toEqual({ rollups: 1, accessLogs: 0 });
  });

  it("uses MeshConfig spec.telemetry.retention as soon as it is applied", async () => {
    await mesh.admin.resources.applyDocuments.mutate({
      yaml: "apiVersion: mesh/v1\nkind: MeshConfig\nmetadata: { name: default }\nspec: { telemetry: { retention: 1h } }\n",
    });
    const now = Date.now();
    const [recent, twoHours] = [randomTraceId(), randomTraceId()];
    const request = otlpRequest("batcher", [
      { traceId: recent, spanId: randomSpanId(), name: "GET /recent", startMs: now - 30 * 60_000, durationMs: 1 },
      { traceId: twoHours, spanId: randomSpanId(), name: "GET /two-hours", startMs: now - 2 * HOUR, durationMs: 1 },
    ]);
    const response = await postOtlp(mesh.controlPlane.url, JSON.stringify(request), admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringMatching(/^1 span not stored: .*\(1h, cutoff/) } });
    expect(await storedSpans(recent)).toBe(1);
    expect(await storedSpans(twoHours)).toBe(0);
  });
});
