import { describe, expect, it } from "vitest";
import type { TraceDetail, TraceSpan } from "../../src/types/api.ts";
import { waterfallRows } from "../../src/views/traces/waterfall-rows.ts";

function span(spanId: string, startTime: number, durationMs: number, children: TraceSpan[] = []): TraceSpan {
  return { spanId, parentSpanId: null, name: spanId, kind: "server", service: "svc", version: null, startTime, offsetMs: startTime, durationMs, httpStatus: 200, error: false, meshError: null, attributes: {}, depth: 0, children };
}

describe("waterfall rows", () => {
  it("lists spans depth first and marks the chain the trace waited on as the critical path", () => {
    // root waits for b (which waited for two sequential attempts), while a ran alongside and finished early.
    const trace = {
      traceId: "t",
      startTime: 0,
      durationMs: 100,
      spanCount: 5,
      roots: [span("root", 0, 100, [span("a", 5, 20), span("b", 4, 90, [span("try-1", 10, 30), span("try-2", 45, 40)])])],
    } as TraceDetail;
    const rows = waterfallRows(trace);
    expect(rows.map((r) => [r.span.spanId, r.depth, r.critical])).toEqual([
      ["root", 0, true],
      ["a", 1, false],
      ["b", 1, true],
      ["try-1", 2, true],
      ["try-2", 2, true],
    ]);
  });
});
