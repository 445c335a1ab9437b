"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import Link from "next/link";
import { EffectivePolicy } from "../../components/effective-policy.tsx";
import { TrafficBadge } from "../../components/health-badge.tsx";
import { LockIcon } from "../../components/lock-icon.tsx";
import { trafficHealth } from "../../health/health.ts";
import { QueryError } from "../../components/query-error.tsx";
import { formatMs, formatRate } from "../../format/figures.ts";
import { useMeshConfig } from "../../policy/use-mesh-config.ts";
import type { TimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import type { ServiceGraph } from "../../types/api.ts";
import type { GraphSelection } from "./graph-elements.ts";

// Charts appear only once something is selected; loading them then keeps the graph's first load lean.
const RedCharts = dynamic(() => import("../../components/charts/red-charts.tsx").then((m) => m.RedCharts), {
  ssr: false,
  loading: () => <div style={{ height: 378 }} />,
});

interface Props {
  selection: GraphSelection | null;
  window: TimeWindow;
  graph: ServiceGraph | null;
  expanded: ReadonlySet<string>;
  onToggleVersions: (service: string) => void;
}

export function GraphSidePanel({ selection, window, graph, expanded, onToggleVersions }: Props) {
  if (selection?.kind === "edge") return <EdgePanel source={selection.source} destination={selection.destination} window={window} graph={graph} />;
  if (selection?.kind === "service") {
    return <ServicePanel service={selection.service} window={window} graph={graph} expanded={expanded.has(selection.service)} onToggleVersions={onToggleVersions} />;
  }
  return <MeshSummary graph={graph} />;
}

function MeshSummary({ graph }: { graph: ServiceGraph | null }) {
  const failing = [...(graph?.edges ?? [])].filter((e) => !["healthy", "idle"].includes(trafficHealth(e))).sort((a, b) => (b.errorPercent ?? 0) + (b.clientErrorPercent ?? 0) - (a.errorPercent ?? 0) - (a.clientErrorPercent ?? 0)).slice(0, 5);
  return (
    <>
      <div>
        <h2>Mesh</h2>
        <p className="muted small" style={{ margin: "4px 0 0" }}>
          Select a service or a call to see its traffic and the policy that applies to it.
        </p>
      </div>
      <dl className="facts">
        <dt>Services</dt>
        <dd>{graph?.nodes.length ?? "–"}</dd>
        <dt>Calls</dt>
        <dd>{graph?.edges.length ?? "–"}</dd>
      </dl>
      <section className="stack" style={{ gap: 6 }}>
        <h3>Calls with errors or denials</h3>
        {failing.length === 0 ? (
          <p className="muted small" style={{ margin: 0 }}>
            None in this time range.
          </p>
        ) : (
          failing.map((e) => (
            <div key={`${e.source}>${e.destination}`} className="row small">
              <span>
                {e.source} → {e.destination}
              </span>
              <span className="spacer" />
              <TrafficBadge stats={e} />
            </div>
          ))
        )}
      </section>
    </>
  );
}

function EdgePanel({ source, destination, window, graph }: { source: string; destination: string; window: TimeWindow; graph: ServiceGraph | null }) {
  const trpc = useTRPC();
  const red = useQuery({ ...trpc.metrics.red.queryOptions({ edge: { source, destination }, ...window }), placeholderData: keepPreviousData });
  const service = useQuery(trpc.services.get.queryOptions({ name: destination }));
  const observed = useQuery({ ...trpc.metrics.observedCalls.queryOptions({ edge: { source, destination }, ...window }), placeholderData: keepPreviousData });
  const meshConfig = useMeshConfig();
  const edge = graph?.edges.find((e) => e.source === source && e.destination === destination);
  return (
    <>
      <div data-testid="edge-panel">
        <div className="stat-label">Call</div>
        <h2>
          {source} → {destination}
        </h2>
      </div>
      {edge && (
        <div className="grid grid-3" style={{ gap: 8 }}>
          <Figure label="Requests" value={formatRate(edge.requestsPerSecond)} />
          <Figure label="Errors" value={<TrafficBadge stats={edge} />} />
          <Figure label="p99" value={formatMs(edge.p99Ms)} />
        </div>
      )}
      {edge && (
        <div className="small muted row" style={{ gap: 4 }}>
          {edge.mtls ? (
            <>
              <LockIcon /> Every request went over mTLS.
            </>
          ) : (
            "Some requests went in plaintext."
          )}
        </div>
      )}
      <QueryError error={red.error} />
      <RedCharts points={red.data?.points ?? []} layout="column" height={96} />
      <QueryError error={service.error} />
      {service.data && (
        <EffectivePolicy
          source={source}
          destination={destination}
          trafficPolicy={service.data.trafficPolicy}
          accessPolicies={service.data.accessPolicies}
          defaultAccess={meshConfig.defaultAccess}
          // A previous edge's calls, kept while this one loads, are not this edge's.
          observed={observed.data?.filter((call) => call.source === source && call.destination === destination)}
        />
      )}
    </>
  );
}

function ServicePanel({ service, window, graph, expanded, onToggleVersions }: { service: string; window: TimeWindow; graph: ServiceGraph | null; expanded: boolean; onToggleVersions: (service: string) => void }) {
  const trpc = useTRPC();
  const red = useQuery({ ...trpc.metrics.red.queryOptions({ service, ...window }), placeholderData: keepPreviousData });
  const node = graph?.nodes.find((n) => n.service === service);
  return (
    <>
      <div data-testid="service-panel">
        <div className="stat-label">Service</div>
        <h2>
          <Link href={`/services/${service}`}>{service}</Link>
        </h2>
      </div>
      {node && (
        <div className="grid grid-3" style={{ gap: 8 }}>
          <Figure label="Inbound" value={formatRate(node.requestsPerSecond)} />
          <Figure label="Errors" value={<TrafficBadge stats={node} />} />
          <Figure label="p99" value={formatMs(node.p99Ms)} />
        </div>
      )}
      {node && node.versions.length > 0 && (
        <div className="row">
          <span className="small muted">Versions: {node.versions.join(", ")}</span>
          <span className="spacer" />
          <button type="button" className="button small" onClick={() => onToggleVersions(service)} aria-pressed={expanded}>
            {expanded ? "Collapse versions" : "Show versions"}
          </button>
        </div>
      )}
      <QueryError error={red.error} />
      <RedCharts points={red.data?.points ?? []} layout="column" height={96} />
    </>
  );
}

function Figure({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <div className="stat-label">{label}</div>
      <div style={{ fontWeight: 600, fontVariantNumeric: "tabular-nums" }}>{value}</div>
    </div>
  );
}
