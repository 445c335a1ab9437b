"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { AccessLogTable } from "../../components/access-log-table.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { formatDateTime, formatMs } from "../../format/figures.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import type { TraceSpan } from "../../types/api.ts";
import { SpanDetails } from "./span-details.tsx";
import { TraceWaterfall } from "./trace-waterfall.tsx";
import { serviceColour, waterfallRows } from "./waterfall-rows.ts";

export function TraceDetailView({ traceId }: { traceId: string }) {
  const trpc = useTRPC();
  const trace = useQuery(trpc.traces.get.queryOptions({ traceId }));
  const logs = useQuery(trpc.logs.search.queryOptions({ traceId, from: 0, limit: 100 }));
  const [selected, setSelected] = useState<TraceSpan | null>(null);
  const [showCriticalPath, setShowCriticalPath] = useState(true);
  const rows = useMemo(() => (trace.data ? waterfallRows(trace.data) : []), [trace.data]);
  const services = [...new Set(rows.map((r) => r.span.service))];
  const errors = rows.filter((r) => r.span.error).length;
  const shown = selected ?? rows.find((r) => r.span.error)?.span ?? rows[0]?.span ?? null;

  return (
    <>
      <PageHeader
        title="Trace"
        description={
          <span className="mono" data-testid="trace-id">
            {traceId}
          </span>
        }
        actions={
          <>
            <label className="checkbox">
              <input type="checkbox" checked={showCriticalPath} onChange={(e) => setShowCriticalPath(e.target.checked)} /> Highlight critical path
            </label>
            <Link href="/traces" className="button">
              All traces
            </Link>
          </>
        }
      />
      <QueryError error={trace.error} />
      {trace.data && (
        <div className="row small" data-testid="trace-summary">
          <span className="badge">{formatDateTime(trace.data.startTime)}</span>
          <span className="badge">{formatMs(trace.data.durationMs)}</span>
          <span className="badge">{trace.data.spanCount} spans</span>
          {errors > 0 && <span className="badge bad">{errors} with errors</span>}
          <span className="spacer" />
          {services.map((s) => (
            <span key={s} className="row" style={{ gap: 5 }}>
              <span className="dot" style={{ background: serviceColour(s) }} />
              {s}
            </span>
          ))}
        </div>
      )}
      <div className="trace-layout">
        <section className="card" style={{ padding: 0, overflow: "hidden" }} aria-label="Waterfall">
          {trace.data ? (
            <TraceWaterfall rows={rows} totalMs={trace.data.durationMs} selected={shown?.spanId ?? null} onSelect={setSelected} showCriticalPath={showCriticalPath} />
          ) : (
            <div className="skeleton" style={{ height: 240, margin: 16 }} />
          )}
        </section>
        <aside className="card" aria-label="Span details">
          {shown ? <SpanDetails span={shown} /> : <p className="empty">Select a span.</p>}
        </aside>
      </div>
      <section className="card">
        <div className="card-header">
          <h2>Access logs of this trace</h2>
          <span className="small muted">{logs.data?.length ?? 0}</span>
        </div>
        <AccessLogTable lines={logs.data ?? []} empty="No access logs recorded for this trace." />
      </section>
    </>
  );
}
