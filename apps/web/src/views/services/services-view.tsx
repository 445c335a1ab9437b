"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { TrafficBadge } from "../../components/health-badge.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError, StaleBanner } from "../../components/query-error.tsx";
import { useLastGood } from "../../errors/use-last-good.ts";
import { formatMs, formatRate } from "../../format/figures.ts";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";

export function ServicesView() {
  const trpc = useTRPC();
  const window = useTimeWindow(300, true, 10_000);
  const services = useQuery(trpc.services.list.queryOptions());
  const graph = useLastGood(useQuery({ ...trpc.metrics.graph.queryOptions(window), placeholderData: keepPreviousData }));
  const statsOf = (name: string) => graph.data?.nodes.find((n) => n.service === name);
  return (
    <>
      <PageHeader title="Services" description="Every service the mesh knows, with its live instances and the last 5 minutes of inbound traffic." />
      <QueryError error={services.error} />
      <StaleBanner error={graph.error} since={graph.staleSince} />
      <section className="card">
        {services.data?.length === 0 ? (
          <p className="empty">No services yet.</p>
        ) : (
          <table className="table" data-testid="service-list">
            <thead>
              <tr>
                <th>Service</th>
                <th>Versions</th>
                <th className="num">Instances</th>
                <th className="num">Requests</th>
                <th className="num">Errors</th>
                <th className="num">p99</th>
              </tr>
            </thead>
            <tbody>
              {(services.data ?? []).map((s) => {
                const stats = statsOf(s.name);
                return (
                  <tr key={s.name}>
                    <td>
                      <Link href={`/services/${s.name}`}>
                        <strong>{s.name}</strong>
                      </Link>
                    </td>
                    <td>{s.versions.join(", ") || <span className="faint">none live</span>}</td>
                    <td className="num">{s.instances.length}</td>
                    <td className="num">{formatRate(stats?.requestsPerSecond)}</td>
                    <td className="num">{stats ? <TrafficBadge stats={stats} /> : "–"}</td>
                    <td className="num">{formatMs(stats?.p99Ms)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
