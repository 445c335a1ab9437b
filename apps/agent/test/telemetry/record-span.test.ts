import { describe, expect, it } from "vitest";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { toAccessLogEntry } from "../../src/telemetry/access-log.ts";
import { recordToSpan, type ExportableSpan } from "../../src/telemetry/record-span.ts";
import { accessLogEntrySchema } from "@mesh/shared";
import { requestRecord } from "./record-fixture.ts";

const resource = resourceFromAttributes({ "service.name": "a" }) as ExportableSpan["resource"];

describe("a request record as a span and an access log entry", () => {
  it("makes a client span for an outbound hop, with the record's ids, timing and mesh attributes", () => {
    const span = recordToSpan(requestRecord({ attempts: 3, status: 504, cause: "timeout", detail: "route 0" }), resource);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.name).toBe("GET /items");
    expect(span.spanContext()).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 });
    expect(span.parentSpanContext).toMatchObject({ spanId: "a3ce929d0e0e4736" });
    expect(span.startTime).toEqual([Date.UTC(2026, 10, 26, 4, 0, 3) / 1000, 250_000_000]);
    expect(span.endTime).toEqual([Date.UTC(2026, 10, 26, 4, 0, 3) / 1000, 262_500_000]);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "timeout" });
    expect(span.attributes).toMatchObject({
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
    });
  });

  it("makes a root server span for an inbound hop that started the trace; 4xx is not an error", () => {
    const span = recordToSpan(requestRecord({ direction: "inbound", parentSpanId: null, status: 404, peer: "a" }), resource);
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("turns a record into an access log entry the control plane accepts", () => {
    const entry = toAccessLogEntry(requestRecord({ path: `/${"x".repeat(5000)}`, destinationVersion: "" }));
    expect(entry.path).toHaveLength(2048);
    expect(entry.version).toBeNull();
    expect(accessLogEntrySchema.safeParse(entry).success).toBe(true);
  });
});
