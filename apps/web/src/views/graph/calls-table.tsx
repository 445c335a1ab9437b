"use client";
import { useState } from "react";
import { TrafficBadge } from "../../components/health-badge.tsx";
import { LockIcon } from "../../components/lock-icon.tsx";
import { formatMs, formatRate } from "../../format/figures.ts";
import type { GraphEdgeStats } from "../../types/api.ts";
import type { GraphSelection } from "./graph-elements.ts";

const FIRST_ROWS = 25;

/** The graph's edges as a table: keyboard-reachable, and readable at any size. */
export function CallsTable({ edges, onSelect }: { edges: GraphEdgeStats[]; onSelect: (selection: GraphSelection) => void }) {
  const [showAll, setShowAll] = useState(false);
  const sorted = [...edges].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond);
  const shown = showAll ? sorted : sorted.slice(0, FIRST_ROWS);
  return (
    <section className="card" aria-labelledby="calls-title">
      <div className="card-header">
        <h2 id="calls-title">Calls</h2>
        <span className="small muted">{edges.length} edges</span>
      </div>
      {edges.length === 0 ? (
        <p className="empty">No calls in this time range.</p>
      ) : (
        <table className="table" data-testid="calls-table">
          <thead>
            <tr>
              <th>From</th>
              <th>To</th>
              <th className="num">Requests</th>
              <th className="num">Errors</th>
              <th className="num">p99</th>
              <th>mTLS</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((edge) => (
              <tr key={`${edge.source}>${edge.destination}`} data-testid={`call-${edge.source}-${edge.destination}`}>
                <td>
                  <button type="button" className="link-button" onClick={() => onSelect({ kind: "edge", source: edge.source, destination: edge.destination })}>
                    {edge.source}
                  </button>
                </td>
                <td>{edge.destination}</td>
                <td className="num">{formatRate(edge.requestsPerSecond)}</td>
                <td className="num">
                  <TrafficBadge stats={edge} />
                </td>
                <td className="num">{formatMs(edge.p99Ms)}</td>
                <td>{edge.mtls ? (
                    <span className="row" style={{ gap: 4 }}>
                      <LockIcon /> yes
                    </span>
                  ) : (
                    <span className="badge warn">plaintext</span>
                  )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sorted.length > FIRST_ROWS && (
        <button type="button" className="button small" style={{ marginTop: 10 }} onClick={() => setShowAll(!showAll)}>
          {showAll ? "Show fewer" : `Show all ${sorted.length}`}
        </button>
      )}
    </section>
  );
}
