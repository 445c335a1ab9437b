import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTRPCClient, httpLink } from "@trpc/client";
import { startControlPlane, type ControlPlane } from "@mesh/api";
import type { AppRouter } from "@mesh/api/router";
import { createTestDatabase, freePort, waitFor, type TestDatabase } from "@mesh/testkit";
import { AgentState } from "../../src/state.ts";
import { startTelemetry, type Telemetry } from "../../src/telemetry/index.ts";
import { requestRecord } from "./record-fixture.ts";
import { MeshHarness, echoApp, sendThrough } from "../integration/harness.ts";

let db: TestDatabase;
let dataDir: string;
let port: number;
let cp: ControlPlane;
const running: Telemetry[] = [];

const startCp = async () => (cp = await startControlPlane({ port, host: "127.0.0.1", databaseUrl: db.url, dataDir, log: false }));
const client = (token: string) => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${cp.url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
const operator = () => client(cp.adminToken);

async function register(service: string): Promise<string> {
  const { credential } = await client(cp.joinToken).agent.register.mutate({ service, version: "v1", address: "127.0.0.1", inboundPort: 15006 });
  return credential;
}

function telemetryFor(service: string, credential: string | null, extra: Partial<Parameters<typeof startTelemetry>[1]> = {}) {
  const state = new AgentState(service, "v1");
  const telemetry = startTelemetry(state, {
    controlPlaneUrl: cp.url,
    credential: () => credential,
    accessLog: false,
    reportIntervalMs: 200,
    spanDelayMs: 100,
    ...extra,
  });
  running.push(telemetry);
  return { state, telemetry };
}

const newTraceId = () => randomBytes(16).toString("hex");
const newSpanId = () => randomBytes(8).toString("hex");

beforeAll(async () => {
  db = await createTestDatabase("mesh_agent_telemetry");
  dataDir = await mkdtemp(path.join(tmpdir(), "mesh-telemetry-"));
  port = await freePort();
  await startCp();
});

afterAll(async () => {
  await Promise.all(running.map((t) => t.close()));
  await cp?.close();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("agent telemetry to the control plane", () => {
  it("exports a span per sampled record, and reports exact rollups and every access log", async () => {
    const { state } = telemetryFor("shop", await register("shop"));
    const traceId = newTraceId();
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      state.record(
        requestRecord({
          source: "shop",
          destination: "cart",
          startTime: started,
          status: i < 15 ? 200 : 503,
          traceId: i < 10 ? traceId : newTraceId(),
          spanId: newSpanId(),
          parentSpanId: null,
          sampled: i < 10,
        }),
      );
    }
    const window = { from: started - 20_000, to: Date.now() + 20_000 };
    const red = await waitFor(
      async () => {
        const result = await operator().metrics.red.query({ edge: { source: "shop", destination: "cart" }, ...window });
        return result.totals.requests === 20 ? result : null;
      },
      { timeoutMs: 10_000, what: "the rollups to arrive" },
    );
    expect(red.totals.statusCounts).toEqual({ "200": 15, "503": 5 });
    const trace = await waitFor(() => operator().traces.get.query({ traceId }), { timeoutMs: 10_000, what: "the spans to arrive" });
    expect(trace.spanCount).toBe(10);
    expect(trace.roots[0]).toMatchObject({ service: "shop", kind: "client", name: "GET /items" });
    // The 5 unsampled 503s keep their spans too (a failed hop is traced whatever the rate): one trace each.
    const traces = await waitFor(async () => {
      const found = await operator().traces.list.query({ ...window, service: "shop" });
      return found.length === 6 ? found : null;
    }, { timeoutMs: 10_000, what: "the sampled trace and the 5 failed unsampled hops" });
    expect(traces.filter((t) => t.spanCount === 1)).toHaveLength(5);
    const logs = await waitFor(async () => {
      const found = await operator().logs.search.query({ service: "shop", ...window });
      return found.length === 20 ? found : null;
    });
    expect(logs.filter((l) => l.status === 503)).toHaveLength(5);
  });

  it("never blocks requests while the control plane is down: queues stay bounded, and it catches up when it is back", async () => {
    const { state, telemetry } = telemetryFor("burst", await register("burst"));
    await cp.close();

    const records = 30_000;
    const started = Date.now();
    const before = performance.now();
    for (let i = 0; i < records; i++) {
      state.record(requestRecord({ source: "burst", destination: "sink", startTime: started, traceId: newTraceId(), spanId: newSpanId(), parentSpanId: null }));
    }
    const perRecordUs = ((performance.now() - before) * 1000) / records;
    expect(perRecordUs).toBeLessThan(200);
    // The records are encoded off the request path, in slices; once they all have been, the queues are full.
    await waitFor(() => telemetry.stats().queuedAccessLogs === 20_000 && telemetry.stats().pendingRollups > 0, { timeoutMs: 10_000, what: "the burst to be encoded" });
    const queued = telemetry.stats();
    expect(queued.queuedSpans).toBeLessThanOrEqual(8192);
    expect(queued.queuedAccessLogs).toBeLessThanOrEqual(20_000);

    await startCp();
    const window = { from: started - 20_000, to: Date.now() + 20_000 };
    await waitFor(
      async () => (await operator().metrics.red.query({ edge: { source: "burst", destination: "sink" }, ...window })).totals.requests === records,
      { timeoutMs: 30_000, what: "every request to be counted once the control plane is back" },
    );
    const logs = await waitFor(async () => {
      const stored = await cp.deps.prisma.accessLog.count({ where: { source: "burst" } });
      return stored >= 20_000 ? stored : null;
    }, { timeoutMs: 30_000, what: "the queued access logs" });
    expect(logs).toBe(20_000);
    // Spans travel on their own exporter schedule, so they may land after the logs.
    const spans = await waitFor(async () => (await cp.deps.prisma.span.count({ where: { service: "burst" } })) || null, {
      timeoutMs: 30_000,
      what: "the queued spans",
    });
    expect(spans).toBeLessThanOrEqual(8192 + 512);
  }, 90_000);

  it("sends spans to the otlpEndpoint option instead when it is given, without the mesh credential", async () => {
    const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ url: req.url ?? "", headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const { state, telemetry } = telemetryFor("elsewhere", "mesh_agent_secret", { otlpEndpoint: endpoint });
      const traceId = newTraceId();
      state.record(requestRecord({ source: "elsewhere", traceId }));
      await telemetry.flush();
      await waitFor(() => received.length > 0, { what: "the collector to receive spans" });
      expect(received[0]!.url).toBe("/v1/traces");
      expect(received[0]!.headers.authorization).toBeUndefined();
      const body = JSON.parse(received[0]!.body);
      expect(body.resourceSpans[0].resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "elsewhere" } });
      expect(body.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId, kind: 3 });
    } finally {
      collector.close();
    }
  });

  it("a real agent started with OTEL_EXPORTER_OTLP_ENDPOINT sends its spans there, without the mesh credential, and not to the control plane", async () => {
    const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ url: req.url ?? "", headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const mesh = await MeshHarness.start();
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const [caller] = await Promise.all([
        mesh.startInstance("shop", "v1", echoApp, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } }),
        // The destination's agent has no such variable: its span goes to the control plane, as the control case.
        mesh.startInstance("cart", "v1", echoApp, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: "" } }),
      ]);
      await mesh.waitForEndpoints(caller, "cart", { v1: 1 });
      const traceId = newTraceId();
      const response = await sendThrough(caller, "cart", "/items", { headers: { traceparent: `00-${traceId}-${newSpanId()}-01` } });
      expect(response.status).toBe(200);

      const exported = await waitFor(() => received.find((r) => r.body.includes(traceId)) ?? null, { timeoutMs: 20_000, what: "the collector to receive shop's span" });
      expect(exported.url).toBe("/v1/traces");
      expect(exported.headers.authorization).toBeUndefined();
      const body = JSON.parse(exported.body) as { resourceSpans: { resource: { attributes: unknown[] }; scopeSpans: { spans: { traceId: string; kind: number }[] }[] }[] };
      const shop = body.resourceSpans.find((r) => r.resource.attributes.some((a) => JSON.stringify(a) === JSON.stringify({ key: "service.name", value: { stringValue: "shop" } })));
      expect(shop, exported.body.slice(0, 500)).toBeDefined();
      expect(shop!.scopeSpans.flatMap((scope) => scope.spans).filter((span) => span.traceId === traceId)).toMatchObject([{ kind: 3 }]);

      type Node = { service: string; children?: Node[] };
      const flatten = (nodes: Node[]): string[] => nodes.flatMap((node) => [node.service, ...flatten(node.children ?? [])]);
      const services = async () => {
        const trace = await mesh.operator.traces.get.query({ traceId }).catch(() => null);
        return trace ? flatten(trace.roots as Node[]).sort() : [];
      };
      await waitFor(async () => (await services()).includes("cart"), { timeoutMs: 20_000, what: "cart's span to reach the control plane" });
      // shop's span went to the collector only; by now cart's, sent at the same moment, has been stored.
      expect(await services()).toEqual(["cart"]);
      // And the collector got only the agent started with the variable.
      const exporters = received.flatMap((r) => (JSON.parse(r.body) as typeof body).resourceSpans.map((resource) => JSON.stringify(resource.resource.attributes.find((a) => (a as { key: string }).key === "service.name"))));
      expect(new Set(exporters)).toEqual(new Set([JSON.stringify({ key: "service.name", value: { stringValue: "shop" } })]));
    } finally {
      await mesh.close();
      collector.close();
    }
  }, 180_000);
});
