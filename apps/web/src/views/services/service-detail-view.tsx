"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AccessLogTable } from "../../components/access-log-table.tsx";
import { RedCharts } from "../../components/charts/red-charts.tsx";
import { EffectivePolicy } from "../../components/effective-policy.tsx";
import { TrafficBadge } from "../../components/health-badge.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { TimeRangePicker } from "../../components/time-range-picker.tsx";
import { formatAgo, formatMs, formatRate } from "../../format/figures.ts";
import { useMeshConfig } from "../../policy/use-mesh-config.ts";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import { SplitEditor } from "../splits/split-editor.tsx";

export function ServiceDetailView({ name }: { name: string }) {
  const trpc = useTRPC();
  const [rangeSeconds, setRangeSeconds] = useState(900);
  const window = useTimeWindow(rangeSeconds, true, 10_000);
  const service = useQuery(trpc.services.get.queryOptions({ name }));
  const red = useQuery({ ...trpc.metrics.red.queryOptions({ service: name, ...window }), placeholderData: keepPreviousData });
  const agents = useQuery(trpc.agents.status.queryOptions());
  // The graph's node carries the denied calls (from the access log) that the RED totals do not.
  const graph = useQuery({ ...trpc.metrics.graph.queryOptions(window), placeholderData: keepPreviousData });
  const denied = graph.data?.nodes.find((n) => n.service === name)?.denied;
  const logs = useQuery({ ...trpc.logs.search.queryOptions({ service: name, ...window, limit: 25 }), placeholderData: keepPreviousData });
  const meshConfig = useMeshConfig();
  const totals = red.data?.totals;
  const currentRevision = agents.data?.revision;

  return (
    <>
      <PageHeader title={name} description="Service" actions={<TimeRangePicker value={rangeSeconds} onChange={setRangeSeconds} />} />
      <QueryError error={service.error ?? red.error} />
      <div className="grid grid-4">
        <div className="card">
          <div className="stat-label">Inbound requests</div>
          <div className="stat-value">{totals ? formatRate(totals.requestsPerSecond) : "–"}</div>
        </div>
        <div className="card">
          <div className="stat-label">Errors</div>
          <div className="stat-value">{totals ? <TrafficBadge stats={{ ...totals, ...(denied ? { denied } : {}) }} /> : "–"}</div>
        </div>
        <div className="card">
          <div className="stat-label">p50 / p99</div>
          <div className="stat-value">{totals ? `${formatMs(totals.p50Ms)} / ${formatMs(totals.p99Ms)}` : "–"}</div>
        </div>
        <div className="card">
          <div className="stat-label">Instances</div>
          <div className="stat-value">{service.data?.instances.length ?? "–"}</div>
          <div className="stat-sub">{service.data?.versions.join(" · ") || " "}</div>
        </div>
      </div>
      <section className="card">
        <RedCharts points={red.data?.points ?? []} />
      </section>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="instances-title">
          <div className="card-header">
            <h2 id="instances-title">Instances</h2>
            {currentRevision !== undefined && <span className="small muted">current revision #{currentRevision}</span>}
          </div>
          {service.data && service.data.instances.length === 0 ? (
            <p className="empty">No live instances.</p>
          ) : (
            <table className="table" data-testid="instances">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Address</th>
                  <th>Health</th>
                  <th>Revision</th>
                  <th className="num">Heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {(service.data?.instances ?? []).map((i) => (
                  <tr key={i.instanceId}>
                    <td>
                      <strong>{i.version}</strong>
                    </td>
                    <td className="mono">
                      {i.address}:{i.inboundPort}
                    </td>
                    <td>
                      <span className={`badge ${i.health === "ok" ? "ok" : "warn"}`}>{i.health}</span>
                    </td>
                    <td>
                      {i.appliedRevision === null ? (
                        <span className="faint">none yet</span>
                      ) : (
                        <span className={i.appliedRevision === currentRevision ? undefined : "badge warn"}>#{i.appliedRevision}</span>
                      )}
                    </td>
                    <td className="num muted">{formatAgo(i.lastHeartbeatAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="policy-title">
          <div className="card-header">
            <h2 id="policy-title">Effective policy</h2>
          </div>
          {service.data && (
            <EffectivePolicy destination={name} trafficPolicy={service.data.trafficPolicy} accessPolicies={service.data.accessPolicies} defaultAccess={meshConfig.defaultAccess} />
          )}
        </section>
      </div>
      {service.data && (service.data.versions.length > 1 || service.data.trafficPolicy?.routes?.length) ? (
        <section className="card" aria-labelledby="split-title">
          <div className="card-header">
            <h2 id="split-title">Traffic split</h2>
          </div>
          <SplitEditor service={name} versions={service.data.versions} trafficPolicy={service.data.trafficPolicy} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="logs-title">
        <div className="card-header">
          <h2 id="logs-title">Recent requests</h2>
        </div>
        <AccessLogTable lines={logs.data ?? []} empty="No requests in this time range." />
      </section>
    </>
  );
}
