"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { TimeRangePicker } from "../../components/time-range-picker.tsx";
import { formatDateTime, formatMs } from "../../format/figures.ts";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import { DurationScatter } from "./duration-scatter.tsx";

interface Filter {
  service?: string;
  operation?: string;
  minDurationMs?: number;
  errorsOnly?: boolean;
}

export function TracesView() {
  const trpc = useTRPC();
  const router = useRouter();
  const [rangeSeconds, setRangeSeconds] = useState(3600);
  const [filter, setFilter] = useState<Filter>({});
  const window = useTimeWindow(rangeSeconds, false);
  const services = useQuery(trpc.services.list.queryOptions());
  const traces = useQuery({ ...trpc.traces.list.queryOptions({ ...filter, ...window, limit: 200 }), placeholderData: keepPreviousData });

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const minDuration = Number(form.get("minDurationMs"));
    setFilter({
      service: String(form.get("service") ?? "") || undefined,
      operation: String(form.get("operation") ?? "").trim() || undefined,
      minDurationMs: minDuration > 0 ? minDuration : undefined,
      errorsOnly: form.get("errorsOnly") === "on" || undefined,
    });
  }

  return (
    <>
      <PageHeader title="Traces" description="Requests as they travelled through the mesh, one span per hop." actions={<TimeRangePicker value={rangeSeconds} onChange={setRangeSeconds} />} />
      <form className="card trace-search" onSubmit={search} aria-label="Search traces">
        <label className="field">
          Service
          <select className="select" name="service" defaultValue="">
            <option value="">any</option>
            {(services.data ?? []).map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Operation
          <input className="input" name="operation" placeholder="GET /product" />
        </label>
        <label className="field">
          Min duration (ms)
          <input className="input" name="minDurationMs" type="number" min={0} placeholder="0" />
        </label>
        <label className="checkbox" style={{ paddingBottom: 7 }}>
          <input type="checkbox" name="errorsOnly" /> Errors only
        </label>
        <button type="submit" className="button primary">
          Search
        </button>
      </form>
      <QueryError error={traces.error} />
      <section className="card">
        <div className="card-header">
          <h2>Duration</h2>
          <span className="small muted">{traces.data ? `${traces.data.length} traces` : " "}</span>
        </div>
        <DurationScatter traces={traces.data ?? []} onOpen={(traceId) => router.push(`/traces/${traceId}`)} />
      </section>
      <section className="card">
        {traces.data && traces.data.length === 0 ? (
          <p className="empty">No traces match.</p>
        ) : (
          <table className="table" data-testid="trace-list">
            <thead>
              <tr>
                <th>Started</th>
                <th>Root</th>
                <th className="num">Spans</th>
                <th className="num">Duration</th>
                <th>Trace</th>
              </tr>
            </thead>
            <tbody>
              {(traces.data ?? []).map((t) => (
                <tr key={t.traceId}>
                  <td className="muted">{formatDateTime(t.startTime)}</td>
                  <td>
                    <strong>{t.rootService}</strong> {t.rootOperation} {t.error && <span className="badge bad">error</span>}
                  </td>
                  <td className="num">{t.spanCount}</td>
                  <td className="num">{formatMs(t.durationMs)}</td>
                  <td>
                    <Link href={`/traces/${t.traceId}`} className="mono">
                      {t.traceId.slice(0, 16)}…
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
