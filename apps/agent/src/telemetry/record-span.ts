import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from "@opentelemetry/api";
import type { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { isErrorStatus } from "@mesh/shared";
import type { RequestRecord } from "../state.ts";

/** The span type the OTLP exporter takes (named through it, so the SDK versions cannot drift apart). */
export type ExportableSpan = Parameters<OTLPTraceExporter["export"]>[0][number];
type SpanResource = ExportableSpan["resource"];

const SCOPE = { name: "mesh-agent" };

/**
 * One hop as an OpenTelemetry span: a client span for what the agent sent (outbound), a server span for
 * what it received (inbound). Ids come from the record, which the data path also put in the traceparent
 * it forwarded, so the hops of a request link up across agents.
 */
export function recordToSpan(record: RequestRecord, resource: SpanResource): ExportableSpan {
  const path = record.path.split("?")[0]!;
  const failed = record.cause !== null || isErrorStatus(record.status);
  const attributes: Attributes = {
    "mesh.direction": record.direction,
    "mesh.source": record.source,
    "mesh.destination": record.destination,
    "http.request.method": record.method,
    "url.path": path,
    "http.response.status_code": record.status,
    "mesh.attempts": record.attempts,
    "mesh.mtls": record.mtls,
  };
  if (record.destinationVersion) attributes["mesh.destination.version"] = record.destinationVersion;
  if (record.peer) attributes["mesh.peer"] = record.peer;
  if (record.attempts > 1) attributes["http.request.resend_count"] = record.attempts - 1;
  if (record.cause) attributes["mesh.error"] = record.cause;
  if (record.detail) attributes["mesh.error.detail"] = record.detail;

  const traceFlags = record.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
  const startTime = hrTime(record.startTime);
  return {
    name: `${record.method} ${path}`,
    kind: record.direction === "outbound" ? SpanKind.CLIENT : SpanKind.SERVER,
    spanContext: () => ({ traceId: record.traceId, spanId: record.spanId, traceFlags }),
    ...(record.parentSpanId ? { parentSpanContext: { traceId: record.traceId, spanId: record.parentSpanId, traceFlags, isRemote: true } } : {}),
    startTime,
    endTime: hrTime(record.startTime + record.durationMs),
    duration: hrTime(record.durationMs),
    status: failed ? { code: SpanStatusCode.ERROR, message: record.cause ?? `HTTP ${record.status}` } : { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
