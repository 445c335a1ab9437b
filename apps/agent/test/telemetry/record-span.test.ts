import { describe, expect, it } from "vitest";
import { toAccessLogEntry, accessLogLine } from "../../src/telemetry/access-log.ts";
import { encodeSpan, encodeTraceRequest, unixNanos } from "../../src/telemetry/record-span.ts";
import { accessLogEntrySchema } from "@mesh/shared";
import { exportTraceRequestSchema, toSpanRows } from "../../../api/src/telemetry/otlp-json.ts";
import { requestRecord } from "./record-fixture.ts";

/** OTLP/JSON numbering: SpanKind SERVER 2, CLIENT 3; status UNSET 0, ERROR 2. */
const span = (overrides: Parameters<typeof requestRecord>[0]) => JSON.parse(encodeSpan(requestRecord(overrides)));
const attributes = (encoded: { attributes: { key: string; value: Record<string, unknown> }[] }) =>
  Object.fromEntries(encoded.attributes.map(({ key, value }) => [key, Object.values(value)[0]]));

describe("a request record as an OTLP/JSON span and an access log entry", () => {
  it("makes a client span for an outbound hop, with the record's ids, timing and mesh attributes", () => {
    const encoded = span({ attempts: 3, status: 504, cause: "timeout", detail: "route 0" });
    expect(encoded).toMatchObject({ kind: 3, name: "GET /items", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", parentSpanId: "a3ce929d0e0e4736" });
    expect(encoded.startTimeUnixNano).toBe(`${Date.UTC(2026, 10, 26, 4, 0, 3, 250)}000000`);
    expect(encoded.endTimeUnixNano).toBe(`${Date.UTC(2026, 10, 26, 4, 0, 3, 262)}500000`);
    expect(encoded.status).toEqual({ code: 2, message: "timeout" });
    expect(attributes(encoded)).toMatchObject({
      "http.request.method": "GET",
      "url.path": "/items",
      "http.response.status_code": 504,
      "mesh.attempts": 3,
      "http.request.resend_count": 2,
      "mesh.error": "timeout",
      "mesh.error.detail": "route 0",
      "mesh.destination": "b",
      "mesh.destination.version": "v1",
      "mesh.peer": "127.0.0.1:15006",
      "mesh.mtls": true,
    });
  });

  it("makes a root server span for an inbound hop that started the trace; 4xx is not an error", () => {
    const encoded = span({ direction: "inbound", parentSpanId: null, status: 404, peer: "a" });
    expect(encoded.kind).toBe(2);
    expect(encoded.parentSpanId).toBeUndefined();
    expect(encoded.status.code).toBe(0);
  });

  it("escapes what the caller controls, and the control plane's receiver stores the spans as sent", () => {
    const hostile = requestRecord({ path: '/a"b\\c\u2028\n?x=1', method: "GET", cause: 'bad"cause', status: 502 });
    const body = encodeTraceRequest({ service: "a", version: "v1" }, [encodeSpan(hostile), encodeSpan(requestRecord({ spanId: "00f067aa0ba902b8" }))]);
    const parsed = exportTraceRequestSchema.parse(JSON.parse(body));
    const rows = toSpanRows(parsed);
    expect(rows.map((r) => [r.service, r.version, r.name, r.kind, r.httpStatus, r.error, r.meshError])).toEqual([
      ["a", "v1", 'GET /a"b\\c\u2028\n', "client", 502, true, 'bad"cause'],
      ["a", "v1", "GET /items", "client", 200, false, null],
    ]);
    expect(rows[0]!.durationMs).toBeCloseTo(12.5, 6);
  });

  it("writes times as exact nanoseconds, carrying a rounded-up fraction", () => {
    expect(unixNanos(1_764_000_000_123.5)).toBe("1764000000123500000");
    expect(unixNanos(1_764_000_000_123.9999999)).toBe("1764000000124000000");
  });

  it("turns a record into an access log entry the control plane accepts, and a stdout line as pino wrote it", () => {
    const entry = toAccessLogEntry(requestRecord({ path: `/${"x".repeat(5000)}`, destinationVersion: "" }));
    expect(entry.path).toHaveLength(2048);
    expect(entry.version).toBeNull();
    expect(accessLogEntrySchema.safeParse(entry).success).toBe(true);
    const line = accessLogLine("a", entry);
    expect(line.endsWith("}\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({ level: 30, service: "a", log: "access", ...entry, time: new Date(entry.time).toISOString(), msg: "access" });
  });

  it("names what decided an answered request as what it is, not as an error's detail, and the audit policies that matched", () => {
    const allowed = attributes(span({ direction: "inbound", status: 200, detail: "ratings-readers", audited: ["audit-all", "audit-ratings"] }));
    expect(allowed).toMatchObject({ "mesh.access.policy": "ratings-readers", "mesh.access.audited": "audit-all,audit-ratings" });
    expect(allowed["mesh.error.detail"]).toBeUndefined();
    const routed = attributes(span({ direction: "outbound", status: 200, detail: "route 1" }));
    expect(routed).toMatchObject({ "mesh.route": "route 1" });
    expect(routed["mesh.error.detail"]).toBeUndefined();
    const entry = toAccessLogEntry(requestRecord({ direction: "inbound", audited: ["audit-all"] }));
    expect(accessLogEntrySchema.parse(entry).audited).toEqual(["audit-all"]);
    expect(toAccessLogEntry(requestRecord({})).audited).toBeUndefined();
  });
});
