import { DEGRADED_ABOVE_PERCENT, FAILING_ABOVE_PERCENT, HEALTH_COLOUR } from "../../health/health.ts";

export function GraphLegend() {
  return (
    <div className="graph-legend small muted" aria-label="Legend">
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.healthy }} /> healthy
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.degraded }} /> errors &gt; {DEGRADED_ABOVE_PERCENT}%
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.failing }} /> errors &gt; {FAILING_ABOVE_PERCENT}%
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.idle }} /> no traffic
      </span>
      <span>🔒 mTLS · dashed: plaintext</span>
    </div>
  );
}
