"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { HealthBadge, TrafficBadge } from "../../components/health-badge.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { StaleBanner } from "../../components/query-error.tsx";
import { useLastGood } from "../../errors/use-last-good.ts";
import { formatAgo, formatMs, formatRate, formatTime } from "../../format/figures.ts";
import { trafficHealth, type Health } from "../../health/health.ts";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";

const WINDOW_SECONDS = 300;

export function OverviewView() {
  const trpc = useTRPC();
  const window = useTimeWindow(WINDOW_SECONDS, true, 10_000);
  // Failed refreshes keep the last answers, marked stale: a card never says "all ok" about data it does not have.
  const graph = useLastGood(useQuery({ ...trpc.metrics.graph.queryOptions(window), placeholderData: keepPreviousData }));
  const agents = useLastGood(useQuery({ ...trpc.agents.status.queryOptions(), refetchInterval: 10_000 }));
  const revisions = useQuery(trpc.revisions.list.queryOptions({ limit: 5 }));

  const nodes = graph.data?.nodes ?? [];
  const healthCounts = nodes.reduce<Record<Health, number>>(
    (counts, n) => ({ ...counts, [trafficHealth(n)]: counts[trafficHealth(n)] + 1 }),
    { healthy: 0, degraded: 0, failing: 0, denied: 0, idle: 0 },
  );
  const totalRps = (graph.data?.edges ?? []).reduce((sum, e) => sum + e.requestsPerSecond, 0);
  const agentList = agents.data?.agents ?? [];
  const online = agentList.filter((a) => a.health === "ok").length;
  const applied = agentList.filter((a) => a.upToDate).length;
  const failingEdges = [...(graph.data?.edges ?? [])]
    .filter((e) => !["healthy", "idle"].includes(trafficHealth(e)))
    .sort((a, b) => (b.errorPercent ?? 0) + (b.clientErrorPercent ?? 0) - (a.errorPercent ?? 0) - (a.clientErrorPercent ?? 0))
    .slice(0, 8);
  const worst: Health = healthCounts.failing ? "failing" : healthCounts.denied ? "denied" : healthCounts.degraded ? "degraded" : healthCounts.healthy ? "healthy" : "idle";

  return (
    <>
      <PageHeader title="Overview" description="The mesh over the last 5 minutes." />
      <StaleBanner error={graph.error ?? agents.error} since={graph.error ? graph.staleSince : agents.staleSince} />
      <div className="grid grid-4">
        <div className="card" data-testid="overview-health">
          <div className="stat-label">Mesh health</div>
          <div className="stat-value">
            {graph.data ? <HealthBadge health={worst} /> : "–"}
          </div>
          <div className="stat-sub">
            {healthCounts.healthy} healthy · {healthCounts.degraded} degraded · {healthCounts.failing} failing · {healthCounts.denied} denied · {healthCounts.idle} idle
          </div>
        </div>
        <div className="card" data-testid="overview-agents">
          <div className="stat-label">Agents online</div>
          <div className="stat-value">
            {agents.data ? online : "–"}
            <span className="faint" style={{ fontSize: 16 }}>
              {" "}
              / {agents.data ? agentList.length : "–"}
            </span>
          </div>
          <div className="stat-sub">
            {!agents.data ? "unknown: no answer from the control plane" : agents.error ? `as of ${formatTime(agents.staleSince ?? Date.now())}` : agentList.length - online > 0 ? `${agentList.length - online} degraded or starting` : agentList.length === 0 ? "no agents yet" : "all reporting ok"}
          </div>
        </div>
        <div className="card" data-testid="overview-revision">
          <div className="stat-label">Config revision</div>
          <div className="stat-value">#{agents.data?.revision ?? "–"}</div>
          <div className="stat-sub">
            applied by {agents.data ? applied : "–"} of {agents.data ? agentList.length : "–"} agents
          </div>
        </div>
        <div className="card">
          <div className="stat-label">Traffic</div>
          <div className="stat-value">{graph.data ? formatRate(totalRps) : "–"}</div>
          <div className="stat-sub">
            {nodes.length} services · {graph.data?.edges.length ?? 0} calls
          </div>
        </div>
      </div>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="failing-title">
          <div className="card-header">
            <h2 id="failing-title">Calls with errors or denials</h2>
            <Link href="/graph" className="small">
              Open graph
            </Link>
          </div>
          {failingEdges.length === 0 ? (
            <p className="empty">No errors or denied calls in the last 5 minutes.</p>
          ) : (
            <table className="table" data-testid="failing-edges">
              <thead>
                <tr>
                  <th>Call</th>
                  <th className="num">Requests</th>
                  <th className="num">Errors</th>
                  <th className="num">p99</th>
                </tr>
              </thead>
              <tbody>
                {failingEdges.map((e) => (
                  <tr key={`${e.source}>${e.destination}`}>
                    <td>
                      {e.source} → <Link href={`/services/${e.destination}`}>{e.destination}</Link>
                    </td>
                    <td className="num">{formatRate(e.requestsPerSecond)}</td>
                    <td className="num">
                      <TrafficBadge stats={e} />
                    </td>
                    <td className="num">{formatMs(e.p99Ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="changes-title">
          <div className="card-header">
            <h2 id="changes-title">Recent changes</h2>
            <Link href="/history" className="small">
              History
            </Link>
          </div>
          {(revisions.data ?? []).length === 0 ? (
            <p className="empty">No changes yet.</p>
          ) : (
            <table className="table">
              <tbody>
                {revisions.data!.map((r) => (
                  <tr key={r.id}>
                    <td className="mono">#{r.id}</td>
                    <td>
                      {r.operation} {r.changes.map((c) => `${c.kind}/${c.name}`).join(", ")}
                    </td>
                    <td className="muted">{r.actor}</td>
                    <td className="muted num">{formatAgo(r.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}
