import { isErrorStatus } from "@mesh/shared";
import type { RequestRecord } from "../state.ts";

/** OTLP span kinds (the protocol's numbering: the API's SpanKind + 1). */
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

/**
 * One hop as an OTLP/JSON span (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding), encoded straight
 * to text: a client span for what the agent sent (outbound), a server span for what it received (inbound). Ids come
 * from the record, which the data path also put in the traceparent it forwarded, so the hops link up across agents.
 * The OpenTelemetry exporter built span objects and then encoded 512 of them at once, stalling the loop 3–8 ms;
 * this costs a few microseconds per span and runs in the telemetry's time-boxed slices.
 */
export function encodeSpan(record: RequestRecord): string {
  const path = record.path.split("?")[0]!;
  const failed = record.cause !== null || isErrorStatus(record.status);
  let attributes =
    str("mesh.direction", record.direction) +
    "," +
    str("mesh.source", record.source) +
    "," +
    str("mesh.destination", record.destination) +
    "," +
    str("http.request.method", record.method) +
    "," +
    str("url.path", path) +
    "," +
    int("http.response.status_code", record.status) +
    "," +
    int("mesh.attempts", record.attempts) +
    `,{"key":"mesh.mtls","value":{"boolValue":${record.mtls}}}`;
  if (record.destinationVersion) attributes += "," + str("mesh.destination.version", record.destinationVersion);
  if (record.peer) attributes += "," + str("mesh.peer", record.peer);
  if (record.attempts > 1) attributes += "," + int("http.request.resend_count", record.attempts - 1);
  if (record.cause) attributes += "," + str("mesh.error", record.cause);
  // What decided: for an error the agent made, its detail; otherwise the policy that allowed it (inbound) or the route that chose (outbound).
  if (record.detail) attributes += "," + str(record.cause ? "mesh.error.detail" : record.direction === "inbound" ? "mesh.access.policy" : "mesh.route", record.detail);
  if (record.audited) attributes += "," + str("mesh.access.audited", record.audited.join(","));
  const status = failed ? `{"code":${STATUS_ERROR},"message":${JSON.stringify(record.cause ?? `HTTP ${record.status}`)}}` : `{"code":${STATUS_UNSET}}`;
  return (
    `{"traceId":"${record.traceId}","spanId":"${record.spanId}",` +
    (record.parentSpanId ? `"parentSpanId":"${record.parentSpanId}",` : "") +
    `"name":${JSON.stringify(`${record.method} ${path}`)},"kind":${record.direction === "outbound" ? KIND_CLIENT : KIND_SERVER},` +
    `"startTimeUnixNano":"${unixNanos(record.startTime)}","endTimeUnixNano":"${unixNanos(record.startTime + record.durationMs)}",` +
    `"attributes":[${attributes}],"status":${status}}`
  );
}

/** The ExportTraceServiceRequest of one agent up to its spans; TRACE_REQUEST_TAIL closes it. */
export function traceRequestHead(resource: { service: string; version: string }): string {
  return (
    `{"resourceSpans":[{"resource":{"attributes":[${str("service.name", resource.service)},${str("service.version", resource.version)}]},` +
    `"scopeSpans":[{"scope":{"name":"mesh-agent"},"spans":[`
  );
}
export const TRACE_REQUEST_TAIL = "]}]}]}";

/** The whole request around already-encoded spans (tests; the exporter writes it in pieces). */
export function encodeTraceRequest(resource: { service: string; version: string }, spans: readonly string[]): string {
  return traceRequestHead(resource) + spans.join(",") + TRACE_REQUEST_TAIL;
}

function str(key: string, value: string): string {
  return `{"key":"${key}","value":{"stringValue":${JSON.stringify(value)}}}`;
}

function int(key: string, value: number): string {
  return `{"key":"${key}","value":{"intValue":${Math.trunc(value)}}}`;
}

/** Milliseconds since the epoch as a decimal string of nanoseconds (beyond 2^53, so not a JS number). */
export function unixNanos(ms: number): string {
  let whole = Math.floor(ms);
  let nanos = Math.round((ms - whole) * 1e6);
  if (nanos >= 1e6) {
    whole++;
    nanos -= 1e6;
  }
  return `${whole}${String(nanos).padStart(6, "0")}`;
}
