"use client";
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { PageHeader } from "../../components/page-header.tsx";
import { StaleBanner } from "../../components/query-error.tsx";
import { useLastGood } from "../../errors/use-last-good.ts";
import { TimeRangePicker } from "../../components/time-range-picker.tsx";
import { formatTime } from "../../format/figures.ts";
import { useTimeWindow, type TimeWindow } from "../../time/use-time-window.ts";
import type { ServiceGraph } from "../../types/api.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import { CallsTable } from "./calls-table.tsx";
import { GraphCanvas } from "./graph-canvas.tsx";
import { buildElements, type GraphSelection, type VersionLoad } from "./graph-elements.ts";
import { GraphLegend } from "./graph-legend.tsx";
import { GraphSidePanel } from "./graph-side-panel.tsx";

const LIVE_REFRESH_MS = 5000;
export const DEFAULT_GRAPH_RANGE_SECONDS = 900;

interface Props {
  /** The graph the server fetched with the page, for the window it asked about. */
  initial: { window: TimeWindow; graph: ServiceGraph } | null;
}

export function GraphView({ initial }: Props) {
  const trpc = useTRPC();
  const [rangeSeconds, setRangeSeconds] = useState(DEFAULT_GRAPH_RANGE_SECONDS);
  const [live, setLive] = useState(true);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selection, setSelection] = useState<GraphSelection | null>(null);
  const window = useTimeWindow(rangeSeconds, live, LIVE_REFRESH_MS, initial?.window);

  const graphQuery = useQuery({
    ...trpc.metrics.graph.queryOptions(window),
    placeholderData: keepPreviousData,
    initialData: initial && initial.window.from === window.from && initial.window.to === window.to ? initial.graph : undefined,
  });
  // A failed refresh keeps the last graph on screen, marked stale, instead of emptying it.
  const graph = { ...useLastGood(graphQuery), dataUpdatedAt: graphQuery.dataUpdatedAt };

  const expandedVersions = useMemo(
    () => (graph.data?.nodes ?? []).filter((n) => expanded.has(n.service)).flatMap((n) => n.versions.map((version) => ({ service: n.service, version }))),
    [graph.data, expanded],
  );
  const versionLoad = useQueries({
    queries: expandedVersions.map(({ service, version }) => ({
      ...trpc.metrics.red.queryOptions({ service, version, ...window }),
      placeholderData: keepPreviousData,
    })),
    combine: (results): VersionLoad =>
      new Map(
        results.flatMap((result, index) => {
          const { service, version } = expandedVersions[index]!;
          const totals = result.data?.totals;
          return totals ? [[`${service}:${version}`, { requests: totals.requests, errorPercent: totals.errorPercent }] as const] : [];
        }),
      ),
  });
  // A new Map every render; its contents decide whether the elements change.
  const versionLoadKey = JSON.stringify([...versionLoad]);

  const elements = useMemo(
    () => (graph.data ? buildElements(graph.data, expanded, versionLoad) : []),
    [graph.data, expanded, versionLoadKey],
  );

  const toggleVersions = useCallback((service: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(service)) next.delete(service);
      else next.add(service);
      return next;
    });
  }, []);

  return (
    <>
      <PageHeader
        title="Service graph"
        description="Services and the calls between them. Click a node or edge for details; double-click a service to show its versions."
        actions={
          <>
            <span className="small muted" style={{ minWidth: 132, textAlign: "right" }} aria-live="polite">
              {graph.dataUpdatedAt || graph.staleSince ? `Updated ${formatTime(graph.dataUpdatedAt || graph.staleSince!)}` : " "}
            </span>
            <label className="checkbox">
              <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
            </label>
            <TimeRangePicker value={rangeSeconds} onChange={setRangeSeconds} />
          </>
        }
      />
      <StaleBanner error={graph.error} since={graph.staleSince} />
      <div className="graph-layout">
        <div className="card graph-card">
          <GraphCanvas elements={elements} onSelect={setSelection} onToggleVersions={toggleVersions} />
          <GraphLegend />
          {graph.data && graph.data.nodes.length === 0 && <div className="graph-empty">No services have registered or sent traffic yet.</div>}
        </div>
        <aside className="card side-panel" aria-label="Details">
          <GraphSidePanel selection={selection} window={window} graph={graph.data ?? null} expanded={expanded} onToggleVersions={toggleVersions} />
        </aside>
      </div>
      <CallsTable edges={graph.data?.edges ?? []} onSelect={setSelection} />
    </>
  );
}
