import { formatTable } from "./table.ts";

interface WaterfallSpan {
  name: string;
  service: string;
  version: string | null;
  offsetMs: number;
  durationMs: number;
  httpStatus: number | null;
  error: boolean;
  meshError: string | null;
  depth: number;
  children: WaterfallSpan[];
}

const BAR_WIDTH = 30;

/** Spans as an indented tree with a time bar each, like the dashboard's waterfall but in text. */
export function traceWaterfall(trace: { durationMs: number; roots: WaterfallSpan[] }): string {
  const rows: string[][] = [];
  const scale = BAR_WIDTH / Math.max(trace.durationMs, 0.001);
  const visit = (span: WaterfallSpan) => {
    const start = Math.min(BAR_WIDTH - 1, Math.floor(span.offsetMs * scale));
    const length = Math.max(1, Math.min(BAR_WIDTH - start, Math.round(span.durationMs * scale)));
    const status = span.meshError ? `${span.httpStatus ?? ""} ${span.meshError}`.trim() : span.httpStatus ? String(span.httpStatus) : span.error ? "error" : "";
    rows.push([
      `${"  ".repeat(span.depth)}${span.service}${span.version ? `@${span.version}` : ""} ${span.name}`,
      `${span.durationMs.toFixed(1)} ms`,
      status,
      `|${" ".repeat(start)}${"█".repeat(length)}${" ".repeat(BAR_WIDTH - start - length)}|`,
    ]);
    span.children.forEach(visit);
  };
  trace.roots.forEach(visit);
  return formatTable(["span", "duration", "status", "timeline"], rows);
}
