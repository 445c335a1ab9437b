import type { PrismaClient } from "../db/client.ts";

export interface TraceFilter {
  service?: string;
  /** A span name, e.g. "GET /reviews/1". */
  operation?: string;
  minDurationMs?: number;
  errorsOnly?: boolean;
  from: number;
  to: number;
  limit: number;
}

export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startTime: number;
  durationMs: number;
  spanCount: number;
  error: boolean;
}

/** Duration and error filters need each trace's totals; they look at this many of the newest matching traces. */
const MAX_CANDIDATE_TRACES = 10_000;

/**
 * Traces with a span in [from, to) matching the filter, newest first. The root is the span without a
 * parent in the trace (or the earliest one when the root has not arrived); the duration covers every span.
 */
export async function listTraces(prisma: PrismaClient, filter: TraceFilter): Promise<TraceSummary[]> {
  const rows = await prisma.$queryRawUnsafe<
    { traceId: string; rootService: string; rootOperation: string; startMs: number; durationMs: number; spanCount: number; error: boolean }[]
  >(
    `WITH matching AS (
       SELECT "traceId" FROM "Span"
        WHERE "startTime" >= to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC'
          AND "startTime" < to_timestamp($2 / 1000.0) AT TIME ZONE 'UTC'
          AND ($3::text IS NULL OR "service" = $3::text)
          AND ($4::text IS NULL OR "name" = $4::text)
        GROUP BY "traceId"
        ORDER BY min("startTime") DESC
        LIMIT $8::int
     ), traces AS (
       SELECT s."traceId",
              min(s."startTime") AS "start",
              max(s."startTime" + s."durationMs" * interval '1 millisecond') AS "end",
              count(*)::int AS "spanCount",
              bool_or(s."error" OR coalesce(s."httpStatus", 0) >= 500) AS "error"
         FROM "Span" s JOIN matching USING ("traceId")
        GROUP BY s."traceId"
     )
     SELECT t."traceId", root."service" AS "rootService", root."name" AS "rootOperation",
            (extract(epoch FROM t."start") * 1000)::float8 AS "startMs",
            (extract(epoch FROM t."end" - t."start") * 1000)::float8 AS "durationMs",
            t."spanCount", t."error"
       FROM traces t
       CROSS JOIN LATERAL (
         SELECT r."service", r."name" FROM "Span" r
          WHERE r."traceId" = t."traceId"
          ORDER BY (r."parentSpanId" IS NULL
                    OR NOT EXISTS (SELECT 1 FROM "Span" p WHERE p."traceId" = r."traceId" AND p."spanId" = r."parentSpanId")) DESC,
                   r."startTime", r."durationMs" DESC
          LIMIT 1) root
      WHERE ($5::float8 IS NULL OR extract(epoch FROM t."end" - t."start") * 1000 >= $5::float8)
        AND (NOT $6::boolean OR t."error")
      ORDER BY t."start" DESC
      LIMIT $7::int`,
    filter.from,
    filter.to,
    filter.service ?? null,
    filter.operation ?? null,
    filter.minDurationMs ?? null,
    filter.errorsOnly ?? false,
    filter.limit,
    filter.minDurationMs !== undefined || filter.errorsOnly ? MAX_CANDIDATE_TRACES : filter.limit,
  );
  return rows.map(({ startMs, ...summary }) => ({ ...summary, startTime: startMs }));
}

export interface SpanNode {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  service: string;
  version: string | null;
  startTime: number;
  /** From the start of the trace's earliest span. */
  offsetMs: number;
  durationMs: number;
  httpStatus: number | null;
  error: boolean;
  meshError: string | null;
  attributes: Record<string, unknown>;
  depth: number;
  children: SpanNode[];
}

export interface TraceDetail {
  traceId: string;
  startTime: number;
  durationMs: number;
  spanCount: number;
  /** Spans without a parent in this trace (normally one); children sorted by start. */
  roots: SpanNode[];
}

export async function getTrace(prisma: PrismaClient, traceId: string): Promise<TraceDetail | null> {
  const spans = await prisma.span.findMany({ where: { traceId }, orderBy: [{ startTime: "asc" }, { durationMs: "desc" }] });
  if (spans.length === 0) return null;
  const traceStart = Math.min(...spans.map((s) => s.startTime.getTime()));
  const traceEnd = Math.max(...spans.map((s) => s.startTime.getTime() + s.durationMs));
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) {
    nodes.set(span.spanId, {
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      name: span.name,
      kind: span.kind,
      service: span.service,
      version: span.version,
      startTime: span.startTime.getTime(),
      offsetMs: span.startTime.getTime() - traceStart,
      durationMs: span.durationMs,
      httpStatus: span.httpStatus,
      error: span.error,
      meshError: span.meshError,
      attributes: (span.attributes ?? {}) as Record<string, unknown>,
      depth: 0,
      children: [],
    });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId ? nodes.get(node.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const placed = new Set<SpanNode>();
  setDepths(roots, 0, placed);
  // Spans whose parents form a cycle (only a broken exporter sends those) are shown as roots, cut loose.
  for (const node of nodes.values()) {
    if (placed.has(node)) continue;
    node.children = node.children.filter((child) => !placed.has(child));
    roots.push(node);
    setDepths([node], 0, placed);
  }
  return { traceId, startTime: traceStart, durationMs: traceEnd - traceStart, spanCount: spans.length, roots };
}

function setDepths(nodes: SpanNode[], depth: number, placed: Set<SpanNode>): void {
  for (const node of nodes) {
    placed.add(node);
    node.depth = depth;
    node.children = node.children.filter((child) => !placed.has(child));
    setDepths(node.children, depth + 1, placed);
  }
}
