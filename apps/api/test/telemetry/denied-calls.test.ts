import { afterAll, beforeAll, expect, it } from "vitest";
import { emptyLatencyCounts, recordLatency, rollupBucketStart, type TelemetryReport } from "@mesh/shared";
import { startTestControlPlane, type ApiClient, type TestControlPlane } from "../support/control-plane.ts";
import { registerAgent } from "./otlp-helpers.ts";

let mesh: TestControlPlane;
let callee: ApiClient;
const now = Date.now();

type AccessLog = TelemetryReport["accessLogs"][number];
const line = (method: string, path: string, status: number, cause: string | null, offsetMs: number): AccessLog => ({
  time: now - 30_000 + offsetMs,
  direction: "inbound",
  source: "a",
  destination: "b",
  version: "v1",
  method,
  path,
  status,
  durationMs: 1,
  cause,
  traceId: null,
});

beforeAll(async () => {
  mesh = await startTestControlPlane();
  callee = mesh.client(await registerAgent(mesh, "b"));
  await mesh.admin.resources.applyDocuments.mutate({
    yaml: "apiVersion: mesh/v1\nkind: AccessPolicy\nmetadata: { name: no-posts-from-a }\nspec: { target: b, action: deny, from: [a], to: [{ methods: [POST] }] }\n",
  });
  // What b's agent saw: 30 denied POSTs, 15 allowed GETs on two paths; its rollup counts the same 45 calls.
  const logs = [
    ...Array.from({ length: 30 }, (_, i) => line("POST", "/pay", 403, "denied", i)),
    ...Array.from({ length: 10 }, (_, i) => line("GET", "/items/1", 200, null, 100 + i)),
    ...Array.from({ length: 5 }, (_, i) => line("GET", "/items/2", 200, null, 200 + i)),
  ];
  const latencyBuckets = emptyLatencyCounts();
  for (let i = 0; i < logs.length; i++) recordLatency(latencyBuckets, 1);
  await callee.telemetry.report.mutate({
    rollups: [
      { bucketStart: rollupBucketStart(now - 30_000), direction: "inbound", source: "a", destination: "b", destinationVersion: "v1", statusCounts: { "200": 15, "403": 30 }, latencyBuckets, latencySumMs: 45, mtls: true },
    ],
    accessLogs: logs,
  });
});
afterAll(() => mesh?.close());

it("counts an edge's denied calls from the destination's access log, with their share and the deciding policy", async () => {
  const graph = await mesh.admin.metrics.graph.query({ from: now - 120_000, to: now + 1000 });
  const edge = graph.edges.find((e) => e.source === "a" && e.destination === "b")!;
  expect(edge.denied).toEqual({ count: 30, percent: (100 * 30) / 45, policy: "no-posts-from-a" });
  expect(edge.errorPercent).toBe(0);
  expect(edge.clientErrorPercent).toBeCloseTo((100 * 30) / 45);
  expect(graph.nodes.find((n) => n.service === "b")!.denied).toEqual({ count: 30, percent: (100 * 30) / 45, policy: "no-posts-from-a" });
});

it("lists the calls an edge makes, most-seen first", async () => {
  const calls = await mesh.admin.metrics.observedCalls.query({ edge: { source: "a", destination: "b" }, from: now - 120_000, to: now + 1000 });
  expect(calls.map((c) => [c.method, c.path, c.count])).toEqual([
    ["POST", "/pay", 30],
    ["GET", "/items/1", 10],
    ["GET", "/items/2", 5],
  ]);
});
