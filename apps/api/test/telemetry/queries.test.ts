import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyLatencyCounts, recordLatency, rollupBucketStart, type TelemetryReport } from "@mesh/shared";
import { pruneTelemetry } from "../../src/telemetry/retention.ts";
import { startTestControlPlane, type ApiClient, type TestControlPlane } from "../support/control-plane.ts";
import { otlpRequest, postOtlp, randomSpanId, randomTraceId, registerAgent } from "./otlp-helpers.ts";

let mesh: TestControlPlane;
let agentA: ApiClient;
let agentB: ApiClient;
const now = Date.now();
const bucket = rollupBucketStart(now - 60_000);

function rollup(direction: "outbound" | "inbound", latencies: number[], statuses: number[], destinationVersion = "v1") {
  const latencyBuckets = emptyLatencyCounts();
  const statusCounts: Record<string, number> = {};
  for (const ms of latencies) recordLatency(latencyBuckets, ms);
  for (const status of statuses) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
  return {
    bucketStart: bucket,
    direction,
    source: "a",
    destination: "b",
    destinationVersion,
    statusCounts,
    latencyBuckets,
    latencySumMs: latencies.reduce((sum, ms) => sum + ms, 0),
    mtls: true,
  } satisfies TelemetryReport["rollups"][number];
}

/** 100 requests: latencies 1..100 ms, the slowest ten answered 503. */
const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
const statuses = latencies.map((ms) => (ms > 90 ? 503 : 200));

beforeAll(async () => {
  mesh = await startTestControlPlane();
  agentA = mesh.client(await registerAgent(mesh, "a"));
  agentB = mesh.client(await registerAgent(mesh, "b"));
});
afterAll(() => mesh?.close());

describe("telemetry.report and the metrics and logs it feeds", () => {
  it("adds partial reports of one bucket together, and answers RED with exact counts and close percentiles", async () => {
    // The caller reports in two halves (two push intervals inside one 10 s bucket); the callee all at once.
    await agentA.telemetry.report.mutate({ rollups: [rollup("outbound", latencies.slice(0, 50), statuses.slice(0, 50))], accessLogs: [] });
    await agentA.telemetry.report.mutate({ rollups: [rollup("outbound", latencies.slice(50), statuses.slice(50))], accessLogs: [] });
    await agentB.telemetry.report.mutate({ rollups: [rollup("inbound", latencies, statuses)], accessLogs: [] });

    const window = { from: now - 120_000, to: now };
    const service = await mesh.admin.metrics.red.query({ service: "b", ...window, step: 60 });
    expect(service.totals.requests).toBe(100);
    expect(service.totals.statusCounts).toEqual({ "200": 90, "503": 10 });
    expect(service.totals.errorPercent).toBe(10);
    expect(service.totals.p50Ms! / 50).toBeGreaterThan(0.95);
    expect(service.totals.p50Ms! / 50).toBeLessThan(1.05);
    expect(service.totals.p99Ms! / 99).toBeGreaterThan(0.95);
    expect(service.totals.p99Ms! / 99).toBeLessThan(1.05);
    expect(service.points.reduce((sum, p) => sum + p.requests, 0)).toBe(100);
    const busy = service.points.find((p) => p.requests > 0)!;
    expect(busy.requests).toBe(100);
    expect(busy.requestsPerSecond).toBeCloseTo(100 / 60, 6);

    const edge = await mesh.admin.metrics.red.query({ edge: { source: "a", destination: "b" }, ...window });
    expect(edge.totals.statusCounts).toEqual({ "200": 90, "503": 10 });
    expect((await mesh.admin.metrics.red.query({ service: "b", version: "v2", ...window })).totals.requests).toBe(0);

    const graph = await mesh.admin.metrics.graph.query(window);
    expect(graph.nodes.map((n) => n.service)).toEqual(["a", "b"]);
    expect(graph.nodes.find((n) => n.service === "b")).toMatchObject({ versions: ["v1"], requests: 100, errorPercent: 10 });
    expect(graph.edges).toHaveLength(1);
    expect(graph.edges[0]).toMatchObject({ source: "a", destination: "b", requests: 100, errorPercent: 10, mtls: true });
    expect(graph.edges[0]!.p99Ms! / 99).toBeGreaterThan(0.95);
    // Rates cover the time there is data for (from the bucket on), not the whole 120 s window.
    expect(graph.edges[0]!.requestsPerSecond).toBeCloseTo(100 / ((now - bucket) / 1000), 6);
    expect(service.totals.requestsPerSecond).toBeCloseTo(100 / ((now - bucket) / 1000), 6);
  });

  it("refuses a report about another service's side of a request, writing nothing", async () => {
    const before = await mesh.admin.metrics.red.query({ service: "b", from: now - 120_000, to: now });
    await expect(agentA.telemetry.report.mutate({ rollups: [rollup("inbound", [5], [200])], accessLogs: [] })).rejects.toThrow(
      /rollups\[0\]: an agent of a may not report inbound requests with destination b/,
    );
    await expect(mesh.admin.telemetry.report.mutate({ rollups: [], accessLogs: [] })).rejects.toThrow(/agents only/);
    await expect(mesh.admin.metrics.red.query({ from: now - 1000, to: now })).rejects.toThrow(/give either service \(with an optional version\) or edge/);
    await expect(mesh.admin.metrics.red.query({ service: "b", from: now, to: now - 1000 })).rejects.toThrow(/from must be before to/);
    const after = await mesh.admin.metrics.red.query({ service: "b", from: now - 120_000, to: now });
    expect(after.totals.requests).toBe(before.totals.requests);
  });

  it("stores access logs and finds them by service, status class and trace id", async () => {
    const traceId = randomTraceId();
    const line = { direction: "outbound" as const, source: "a", destination: "b", version: "v1", method: "GET", durationMs: 4.5, cause: null };
    await agentA.telemetry.report.mutate({
      rollups: [],
      accessLogs: [
        { ...line, time: now - 3000, path: "/ok", status: 200, traceId },
        { ...line, time: now - 2000, path: "/broken", status: 503, cause: "no-healthy-endpoints", traceId: null },
      ],
    });
    const all = await mesh.admin.logs.search.query({ service: "b" });
    expect(all.map((l) => l.path)).toEqual(["/broken", "/ok"]);
    expect(await mesh.admin.logs.search.query({ service: "a", status: "5xx" })).toMatchObject([{ path: "/broken", cause: "no-healthy-endpoints", status: 503 }]);
    expect(await mesh.admin.logs.search.query({ traceId })).toMatchObject([{ path: "/ok", traceId }]);
    expect(await mesh.admin.logs.search.query({ service: "c" })).toEqual([]);
  });
});

describe("trace search", () => {
  it("lists traces newest first with root service, operation, duration, span count and error; filters apply", async () => {
    const t = Date.now() - 10_000;
    const slow = randomTraceId();
    const failed = randomTraceId();
    const slowRoot = randomSpanId();
    const failedRoot = randomSpanId();
    const spans = (service: string, list: Parameters<typeof otlpRequest>[1]) => postOtlp(mesh.controlPlane.url, JSON.stringify(otlpRequest(service, list)), { authorization: `Bearer ${mesh.controlPlane.adminToken}` });
    await spans("front", [
      { traceId: slow, spanId: slowRoot, name: "GET /slow", startMs: t, durationMs: 800, status: 200 },
      { traceId: failed, spanId: failedRoot, name: "GET /fail", startMs: t + 1000, durationMs: 20, status: 502 },
    ]);
    await spans("back", [
      { traceId: slow, spanId: randomSpanId(), parentSpanId: slowRoot, name: "GET /inner", startMs: t + 100, durationMs: 650, status: 200 },
      { traceId: failed, spanId: randomSpanId(), parentSpanId: failedRoot, name: "GET /inner", startMs: t + 1005, durationMs: 10, status: 503, error: true },
    ]);

    const window = { from: t - 1000, to: t + 5000 };
    const listed = await mesh.admin.traces.list.query(window);
    expect(listed.map((s) => s.traceId)).toEqual([failed, slow]);
    expect(listed[1]).toMatchObject({ rootService: "front", rootOperation: "GET /slow", spanCount: 2, error: false, startTime: t });
    expect(listed[1]!.durationMs).toBeCloseTo(800, 3);
    expect(listed[0]).toMatchObject({ rootOperation: "GET /fail", error: true });

    expect((await mesh.admin.traces.list.query({ ...window, minDurationMs: 500 })).map((s) => s.traceId)).toEqual([slow]);
    expect((await mesh.admin.traces.list.query({ ...window, errorsOnly: true })).map((s) => s.traceId)).toEqual([failed]);
    expect((await mesh.admin.traces.list.query({ ...window, service: "back", operation: "GET /inner" })).length).toBe(2);
    expect(await mesh.admin.traces.list.query({ ...window, service: "nobody" })).toEqual([]);
    await expect(mesh.admin.traces.get.query({ traceId: randomTraceId() })).rejects.toThrow(/no spans stored for trace/);
  });

  it("prunes spans, rollups and access logs older than the retention (24h by default)", async () => {
    const { prisma } = mesh.controlPlane.deps;
    const span = (traceId: string, ageMs: number) => ({
      traceId, spanId: randomSpanId(), name: "x", kind: "server", service: "x", startTime: new Date(Date.now() - ageMs), durationMs: 1, attributes: {},
    });
    const old = randomTraceId();
    const fresh = randomTraceId();
    await prisma.span.createMany({ data: [span(old, 48 * 3600_000), span(fresh, 23 * 3600_000)] });
    await prisma.accessLog.create({
      data: { time: new Date(Date.now() - 25 * 3600_000), direction: "inbound", source: "a", destination: "b", method: "GET", path: "/", status: 200, durationMs: 1 },
    });
    const pruned = await pruneTelemetry(prisma);
    expect(pruned).toMatchObject({ spans: 1, accessLogs: 1 });
    expect(await prisma.span.count({ where: { traceId: old } })).toBe(0);
    expect(await prisma.span.count({ where: { traceId: fresh } })).toBe(1);
  });

  it("honours MeshConfig spec.telemetry.retention", async () => {
    const { prisma } = mesh.controlPlane.deps;
    await mesh.admin.resources.applyDocuments.mutate({
      yaml: "apiVersion: mesh/v1\nkind: MeshConfig\nmetadata: { name: default }\nspec: { telemetry: { retention: 1h } }\n",
    });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await prisma.metricRollup.create({
      data: { bucketStart: twoHoursAgo, direction: "inbound", source: "a", destination: "old", destinationVersion: "v1", requests: 1, errors: 0, statusCounts: { "200": 1 }, latencyBuckets: [], latencySumMs: 1 },
    });
    expect((await pruneTelemetry(prisma)).rollups).toBe(1);
    expect(await prisma.metricRollup.count({ where: { destination: "old" } })).toBe(0);
    expect(await prisma.metricRollup.count({ where: { destination: "b" } })).toBeGreaterThan(0);
  });
});
