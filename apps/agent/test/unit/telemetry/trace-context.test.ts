import { describe, expect, it } from "vitest";
import { childContext, formatTraceparent, parseTraceparent, sampledByTraceId } from "../../../src/telemetry/trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent parsing", () => {
  it("reads a valid header", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)!.sampled).toBe(false);
  });

  it("accepts future versions with extra fields, rejects the rest", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).not.toBeNull();
    for (const bad of [
      undefined,
      "",
      `00-${TRACE}-${SPAN}-01-extra`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-0g`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });
});

describe("child context", () => {
  it("continues the caller's trace with a new span", () => {
    const context = childContext(`00-${TRACE}-${SPAN}-01`, 0);
    expect(context.traceId).toBe(TRACE);
    expect(context.parentSpanId).toBe(SPAN);
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(SPAN);
    expect(context.sampled).toBe(true); // a sampled parent is followed even at ratio 0
    expect(formatTraceparent(context)).toBe(`00-${TRACE}-${context.spanId}-01`);
  });

  it("starts a new trace when there is none, with random ids", () => {
    const a = childContext(undefined, 1);
    const b = childContext("garbage", 1);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.parentSpanId).toBeNull();
    expect(a.traceId).not.toBe(b.traceId);
    expect(new Set(Array.from({ length: 1000 }, () => childContext(undefined, 1).spanId)).size).toBe(1000);
  });

  it("samples new traces at the configured ratio, decided by trace id", () => {
    const sampled = Array.from({ length: 20_000 }, () => childContext(undefined, 0.25).sampled).filter(Boolean).length;
    expect(sampled / 20_000).toBeGreaterThan(0.22);
    expect(sampled / 20_000).toBeLessThan(0.28);
    // Same trace id, same answer at every hop.
    const traceId = childContext(undefined, 1).traceId;
    const decisions = new Set(Array.from({ length: 10 }, () => childContext(`00-${traceId}-${SPAN}-00`, 0.5).sampled));
    expect(decisions.size).toBe(1);
    expect(decisions.has(sampledByTraceId(traceId, 0.5))).toBe(true);
  });

  it("samples everything at 1 and nothing new at 0", () => {
    expect(sampledByTraceId("f".repeat(32), 1)).toBe(true);
    expect(sampledByTraceId("0".repeat(31) + "1", 0)).toBe(false);
  });
});
