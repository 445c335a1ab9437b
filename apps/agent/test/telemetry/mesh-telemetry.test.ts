import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { rollupBucketStart } from "@mesh/shared";
import { waitFor } from "@mesh/testkit";
import { promtoolProblems } from "../../../api/test/telemetry/promtool.ts";
import { countBy, MeshHarness, sendMany, sendThrough, type AppHandler, type ServiceInstance } from "../integration/harness.ts";

let mesh: MeshHarness;
let client: ServiceInstance;
let slow: ServiceInstance;
const instances = new Map<string, ServiceInstance>();
let sdk: BasicTracerProvider;

/** An app that calls `next` through its own agent, passing the traceparent on (as instrumented apps do). */
function forwardingApp(next: string): AppHandler {
  return (req, res, { service }) => {
    const own = instances.get(service)!;
    const upstream = request(
      { host: "127.0.0.1", port: own.ports.outbound, path: req.url, headers: { host: next, ...(req.headers.traceparent ? { traceparent: req.headers.traceparent } : {}) } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    upstream.end();
  };
}

/** The last app: records its own span with a plain OpenTelemetry SDK, as a child of the traceparent it got. */
const instrumentedApp: AppHandler = (req: IncomingMessage, res: ServerResponse) => {
  const parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const span = sdk.getTracer("shop-app").startSpan("render page", { kind: SpanKind.INTERNAL }, parent);
  span.end();
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ traceparent: req.headers.traceparent }));
};

/** The n-th request's answer: every 10th 503, every 7th 404, the rest 200. */
const statusFor = (n: number) => (n % 10 === 9 ? 503 : n % 7 === 6 ? 404 : 200);

/** Requests the controlled app has answered (warm-up ones are forgotten before measuring). */
const served = {
  count: 0,
  reset() {
    this.count = 0;
  },
};

/**
 * Answers after a latency taken in turn from a fixed spread (200..2000 ms), with statusFor's status. Latencies
 * this long keep the comparison about the mesh's accounting, not about a loaded 2-core machine's scheduling noise.
 */
function controlledApp(): AppHandler {
  return (_req, res) => {
    const n = served.count++;
    const delayMs = 200 + ((n * 37) % 1801);
    setTimeout(() => res.writeHead(statusFor(n), { "content-type": "text/plain" }).end("ok"), delayMs);
  };
}

const CLOCK_SLACK_MS = 3;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

beforeAll(async () => {
  mesh = await MeshHarness.start();
  // Every trace, as the demo runs: the default samples 1% of new traces.
  await mesh.apply("apiVersion: mesh/v1\nkind: MeshConfig\nmetadata: { name: default }\nspec: { tracing: { sampling: 1 } }\n");
  sdk = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "c" }),
    spanProcessors: [
      new SimpleSpanProcessor(
        // Another OpenTelemetry SDK release than the agent's pins; the exporter interface is the same.
        new OTLPTraceExporter({ url: `${mesh.cp.url}/v1/traces`, headers: { authorization: `Bearer ${mesh.cp.adminToken}` } }) as unknown as SpanExporter,
      ),
    ],
  });
  // One at a time: ports are picked free and bound by the agent a moment later, so parallel starts could collide.
  for (const [service, app] of [
    ["client", undefined],
    ["a", forwardingApp("b")],
    ["b", forwardingApp("c")],
    ["c", instrumentedApp],
    ["slow", controlledApp()],
  ] as const) {
    instances.set(service, await mesh.startInstance(service, "v1", app));
  }
  client = instances.get("client")!;
  slow = instances.get("slow")!;
  await Promise.all([
    mesh.waitForEndpoints(client, "a", { v1: 1 }),
    mesh.waitForEndpoints(client, "slow", { v1: 1 }),
    mesh.waitForEndpoints(instances.get("a")!, "b", { v1: 1 }),
    mesh.waitForEndpoints(instances.get("b")!, "c", { v1: 1 }),
  ]);
}, 180_000);

afterAll(async () => {
  await sdk?.shutdown();
  await mesh?.close();
});

describe("traces, metrics and logs from every hop", () => {
  it("joins the hops of client → a → b → c and the app's own SDK span into one trace, retrievable within 5 s", async () => {
    const response = await sendThrough(client, "a", "/checkout?cart=7");
    expect(response.status).toBe(200);
    const traceId = response.json<{ traceparent: string }>().traceparent.split("-")[1]!;
    const answeredAt = Date.now();

    const trace = await waitFor(
      async () => {
        const found = await mesh.operator.traces.get.query({ traceId }).catch(() => null);
        return found && found.spanCount === 7 ? found : null;
      },
      { timeoutMs: 5000, intervalMs: 100, what: `all 7 spans of trace ${traceId}` },
    );
    expect(Date.now() - answeredAt).toBeLessThan(5000);

    expect(trace.roots).toHaveLength(1);
    const chain = [];
    for (let node = trace.roots[0]; node; node = node.children[0]) {
      expect(node.children.length).toBeLessThanOrEqual(1);
      chain.push(node);
    }
    expect(chain.map((s) => `${s.service}:${s.kind}`)).toEqual([
      "client:client",
      "a:server",
      "a:client",
      "b:server",
      "b:client",
      "c:server",
      "c:internal",
    ]);
    expect(chain.map((s) => s.depth)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const [clientOut, aIn] = chain;
    expect(clientOut).toMatchObject({ name: "GET /checkout", httpStatus: 200, error: false });
    expect(clientOut!.attributes).toMatchObject({ "mesh.destination": "a", "mesh.destination.version": "v1", "url.path": "/checkout", "mesh.attempts": 1 });
    expect(aIn!.attributes).toMatchObject({ "mesh.source": "client", "mesh.mtls": true });
    // Each hop starts after its caller did (causal, up to start times being whole milliseconds). End times are not
    // compared: a loaded agent notices its response finished a little after the caller has read it.
    const timings = chain.map((s) => `${s.service}:${s.kind} +${s.offsetMs} ${s.durationMs.toFixed(1)} ms`).join("\n");
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.offsetMs, timings).toBeGreaterThanOrEqual(chain[i - 1]!.offsetMs - CLOCK_SLACK_MS);
    }

    const summaries = await mesh.operator.traces.list.query({ service: "c", from: answeredAt - 60_000, to: Date.now() + 1000 });
    expect(summaries.find((s) => s.traceId === traceId)).toMatchObject({ rootService: "client", rootOperation: "GET /checkout", spanCount: 7 });
  });

  it("stores p50/p99 within 10% of what the client measured, and exact counts per status code", async () => {
    // Warm the connections (mTLS handshakes) in an earlier 10 s bucket, then measure from a bucket boundary on.
    await sendMany(client, "slow", 30, { concurrency: 30 });
    const warmBucket = rollupBucketStart(Date.now());
    const from = await waitFor(() => (rollupBucketStart(Date.now()) > warmBucket ? rollupBucketStart(Date.now()) : null), {
      timeoutMs: 11_000,
      intervalMs: 5,
      what: "the next 10 s rollup bucket",
    });
    served.reset();
    const responses = await sendMany(client, "slow", 300, { concurrency: 30 });
    const byStatus = countBy(responses, (r) => String(r.status));
    expect(byStatus).toEqual(countBy(Array.from({ length: 300 }, (_, n) => n), (n) => String(statusFor(n))));
    const measured = responses.map((r) => r.durationMs).sort((a, b) => a - b);

    const edge = await waitFor(
      async () => {
        const result = await mesh.operator.metrics.red.query({ edge: { source: "client", destination: "slow" }, from, to: Date.now() + 20_000 });
        return result.totals.requests === 300 ? result : null;
      },
      { timeoutMs: 20_000, what: "all 300 requests in the stored rollups" },
    );
    expect(edge.totals.statusCounts).toEqual(byStatus);
    expect(edge.totals.errorPercent).toBe(10);
    for (const [q, stored] of [
      [0.5, edge.totals.p50Ms!],
      [0.99, edge.totals.p99Ms!],
    ] as const) {
      const clientSide = quantile(measured, q);
      expect(Math.abs(stored - clientSide) / clientSide, `p${q * 100}: stored ${stored} ms, client measured ${clientSide} ms`).toBeLessThan(0.1);
    }

    const service = await waitFor(
      async () => {
        const result = await mesh.operator.metrics.red.query({ service: "slow", from, to: Date.now() + 20_000 });
        return result.totals.requests === 300 ? result : null;
      },
      { timeoutMs: 20_000, what: "the destination's side of the same requests" },
    );
    expect(service.totals.statusCounts).toEqual(byStatus);

    const graph = await mesh.operator.metrics.graph.query({ from, to: Date.now() + 1000 });
    expect(graph.edges.find((e) => e.source === "client" && e.destination === "slow")).toMatchObject({ requests: 300, errorPercent: 10, mtls: true });
    expect(graph.nodes.find((n) => n.service === "slow")).toMatchObject({ versions: ["v1"], requests: 300 });
  }, 120_000);

  it("logs every request as a JSON line on the agent's stdout and in the searchable access log", async () => {
    const response = await sendThrough(client, "slow", "/logged-path");
    const stdoutLine = await waitFor(
      () =>
        slow.agent
          .output()
          .split("\n")
          .find((line) => line.includes('"msg":"access"') && line.includes("/logged-path")),
      { timeoutMs: 10_000, what: "the access log line on stdout" },
    );
    const line = JSON.parse(stdoutLine) as Record<string, unknown>;
    expect(line).toMatchObject({ direction: "inbound", source: "client", destination: "slow", version: "v1", method: "GET", path: "/logged-path", status: response.status });
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof line.durationMs).toBe("number");
    expect(new Date(line.time as string).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const stored = await waitFor(
      async () => {
        const found = await mesh.operator.logs.search.query({ traceId: line.traceId as string });
        return found.length === 2 ? found : null;
      },
      { timeoutMs: 10_000, what: "both sides of the request in the access log" },
    );
    expect(stored.map((l) => `${l.direction} ${l.source}->${l.destination} ${l.path}`).sort()).toEqual([
      "inbound client->slow /logged-path",
      "outbound client->slow /logged-path",
    ]);
  });

  it("serves agent /metrics that promtool accepts", async () => {
    const text = await (await slow.adminGet("/metrics")).text();
    expect(text).toMatch(/mesh_requests_total\{/);
    expect(promtoolProblems(text)).toBe("");
  });
});
