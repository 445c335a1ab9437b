import { randomBytes } from "node:crypto";
import type { AccessLogEntry } from "@mesh/shared";

interface SpanPlan {
  service: string;
  version: string;
  name: string;
  kind: 2 | 3;
  startMs: number;
  durationMs: number;
  status?: number;
  meshError?: string;
  children?: SpanPlan[];
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** One request through the demo mesh: frontend → reviews → ratings (which fails once and is retried) and details. */
export function productPageTrace(startMs: number, slowdown = 1): SpanPlan {
  const ms = (value: number) => value * slowdown;
  return {
    service: "frontend", version: "v1", name: "GET /product", kind: 2, startMs, durationMs: ms(120), status: 200,
    children: [
      {
        service: "frontend", version: "v1", name: "GET reviews /reviews/1", kind: 3, startMs: startMs + ms(4), durationMs: ms(90), status: 200,
        children: [
          {
            service: "reviews", version: "v2", name: "GET /reviews/1", kind: 2, startMs: startMs + ms(6), durationMs: ms(85), status: 200,
            children: [
              { service: "reviews", version: "v2", name: "GET ratings /ratings/1", kind: 3, startMs: startMs + ms(10), durationMs: ms(30), status: 503, meshError: "upstream-connect",
                children: [] },
              { service: "reviews", version: "v2", name: "GET ratings /ratings/1", kind: 3, startMs: startMs + ms(45), durationMs: ms(40), status: 200,
                children: [{ service: "ratings", version: "v1", name: "GET /ratings/1", kind: 2, startMs: startMs + ms(47), durationMs: ms(35), status: 200 }] },
            ],
          },
        ],
      },
      {
        service: "frontend", version: "v1", name: "GET details /details/1", kind: 3, startMs: startMs + ms(5), durationMs: ms(20), status: 200,
        children: [{ service: "details", version: "v1", name: "GET /details/1", kind: 2, startMs: startMs + ms(7), durationMs: ms(15), status: 200 }],
      },
    ],
  };
}

export interface PlannedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: "server" | "client";
  startMs: number;
  durationMs: number;
  status: number;
  error: boolean;
  meshError: string | null;
}

/** OTLP/JSON for a planned trace, and the flat list of spans it contains. */
export function toOtlp(plan: SpanPlan): { traceId: string; body: unknown; spans: PlannedSpan[] } {
  const traceId = hex(16);
  const spans: PlannedSpan[] = [];
  const byService = new Map<string, { version: string; spans: unknown[] }>();
  const visit = (span: SpanPlan, parentSpanId: string | null) => {
    const spanId = hex(8);
    const error = (span.status ?? 200) >= 500;
    spans.push({
      traceId,
      spanId,
      parentSpanId,
      service: span.service,
      name: span.name,
      kind: span.kind === 2 ? "server" : "client",
      startMs: span.startMs,
      durationMs: span.durationMs,
      status: span.status ?? 200,
      error,
      meshError: span.meshError ?? null,
    });
    const attributes = [
      { key: "http.request.method", value: { stringValue: span.name.split(" ")[0]! } },
      { key: "http.response.status_code", value: { intValue: span.status ?? 200 } },
      ...(span.meshError ? [{ key: "mesh.error", value: { stringValue: span.meshError } }] : []),
    ];
    const entry = byService.get(span.service) ?? byService.set(span.service, { version: span.version, spans: [] }).get(span.service)!;
    entry.spans.push({
      traceId,
      spanId,
      parentSpanId: parentSpanId ?? "",
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: String(BigInt(Math.round(span.startMs * 1000)) * 1000n),
      endTimeUnixNano: String(BigInt(Math.round((span.startMs + span.durationMs) * 1000)) * 1000n),
      attributes,
      status: { code: error ? 2 : 1 },
    });
    for (const child of span.children ?? []) visit(child, spanId);
  };
  visit(plan, null);
  const body = {
    resourceSpans: [...byService].map(([service, { version, spans: list }]) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: service } },
          { key: "service.version", value: { stringValue: version } },
        ],
      },
      scopeSpans: [{ spans: list }],
    })),
  };
  return { traceId, body, spans };
}

/** The access log lines the callers' agents write for the client spans ("GET reviews /reviews/1"). */
export function accessLogsOf(spans: readonly PlannedSpan[]): AccessLogEntry[] {
  return spans
    .filter((s) => s.kind === "client")
    .map((s) => {
      const [method, destination, path] = s.name.split(" ") as [string, string, string];
      return {
        time: Math.round(s.startMs),
        direction: "outbound" as const,
        source: s.service,
        destination,
        version: null,
        method,
        path,
        status: s.status,
        durationMs: s.durationMs,
        cause: s.meshError,
        traceId: s.traceId,
      };
    });
}
