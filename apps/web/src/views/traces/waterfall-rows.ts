import type { TraceDetail, TraceSpan } from "../../types/api.ts";

export interface WaterfallRow {
  span: TraceSpan;
  depth: number;
  critical: boolean;
}

const endOf = (s: TraceSpan) => s.startTime + s.durationMs;

/**
 * The trace's spans in tree order (as the API nests them) with whether each lies on the critical path:
 * the chain of last-finishing children the trace waited on.
 */
export function waterfallRows(trace: TraceDetail): WaterfallRow[] {
  const critical = new Set<string>();
  const longestRoot = trace.roots.reduce<TraceSpan | null>((best, s) => (!best || endOf(s) > endOf(best) ? s : best), null);
  if (longestRoot) markCriticalPath(longestRoot, critical);
  const rows: WaterfallRow[] = [];
  const visit = (span: TraceSpan, depth: number) => {
    rows.push({ span, depth, critical: critical.has(span.spanId) });
    for (const child of span.children) visit(child as TraceSpan, depth + 1);
  };
  for (const root of trace.roots) visit(root, 0);
  return rows;
}

function markCriticalPath(span: TraceSpan, critical: Set<string>) {
  critical.add(span.spanId);
  let cursor = endOf(span);
  const latestFirst = [...(span.children as TraceSpan[])].sort((a, b) => endOf(b) - endOf(a));
  for (const child of latestFirst) {
    // A child that ended after the cursor ran alongside one already on the path, so nobody waited on it.
    if (endOf(child) > cursor + 0.001) continue;
    markCriticalPath(child, critical);
    cursor = child.startTime;
  }
}

const SERVICE_PALETTE = ["#4f46e5", "#0e9f9a", "#d97706", "#db2777", "#2563eb", "#65a30d", "#7c3aed", "#0891b2", "#b45309", "#be123c"];

/** A stable colour per service name. */
export function serviceColour(service: string): string {
  let hash = 0;
  for (const char of service) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return SERVICE_PALETTE[hash % SERVICE_PALETTE.length]!;
}
