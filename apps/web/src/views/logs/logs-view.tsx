"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AccessLogTable } from "../../components/access-log-table.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { TimeRangePicker } from "../../components/time-range-picker.tsx";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";

const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;

export function LogsView() {
  const trpc = useTRPC();
  const [rangeSeconds, setRangeSeconds] = useState(3600);
  const [service, setService] = useState("");
  const [direction, setDirection] = useState<"" | "outbound" | "inbound">("");
  const [status, setStatus] = useState<"" | (typeof STATUS_CLASSES)[number]>("");
  const [live, setLive] = useState(false);
  const window = useTimeWindow(rangeSeconds, live);
  const services = useQuery(trpc.services.list.queryOptions());
  const logs = useQuery({
    ...trpc.logs.search.queryOptions({
      ...window,
      limit: 300,
      ...(service ? { service } : {}),
      ...(direction ? { direction } : {}),
      ...(status ? { status } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Access logs"
        description="Every request an agent handled, newest first; the mesh's own errors name their cause."
        actions={
          <>
            <label className="checkbox">
              <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Follow
            </label>
            <TimeRangePicker value={rangeSeconds} onChange={setRangeSeconds} />
          </>
        }
      />
      <div className="card row" role="search" aria-label="Filter logs">
        <label className="field">
          Service
          <select className="select" value={service} onChange={(e) => setService(e.target.value)}>
            <option value="">any</option>
            {(services.data ?? []).map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Side
          <select className="select" value={direction} onChange={(e) => setDirection(e.target.value as typeof direction)}>
            <option value="">both</option>
            <option value="outbound">outbound (caller)</option>
            <option value="inbound">inbound (callee)</option>
          </select>
        </label>
        <label className="field">
          Status
          <select className="select" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">any</option>
            {STATUS_CLASSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        {/* Until the new filter's answer arrives the table still shows the previous one's lines: say so. */}
        <span className="small muted">{logs.isPlaceholderData ? "updating…" : logs.data ? `${logs.data.length} lines` : " "}</span>
      </div>
      <QueryError error={logs.error} />
      <section className="card" aria-busy={logs.isPlaceholderData} style={logs.isPlaceholderData ? { opacity: 0.6 } : undefined}>
        <AccessLogTable lines={logs.data ?? []} empty="No requests match." />
      </section>
    </>
  );
}
