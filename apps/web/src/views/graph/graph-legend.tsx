import { LockIcon } from "../../components/lock-icon.tsx";
import { CLIENT_DEGRADED_ABOVE_PERCENT, DEGRADED_ABOVE_PERCENT, DENIED_ABOVE_PERCENT, FAILING_ABOVE_PERCENT, HEALTH_COLOUR } from "../../health/health.ts";

export function GraphLegend() {
  return (
    <div className="graph-legend small muted" aria-label="Legend">
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.healthy }} /> healthy
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.degraded }} /> 5xx &gt; {DEGRADED_ABOVE_PERCENT}% or 4xx &gt; {CLIENT_DEGRADED_ABOVE_PERCENT}%
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.failing }} /> errors &gt; {FAILING_ABOVE_PERCENT}%
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.denied }} /> denied &gt; {DENIED_ABOVE_PERCENT}%
      </span>
      <span>
        <span className="dot" style={{ background: HEALTH_COLOUR.idle }} /> idle (no traffic)
      </span>
      <span className="row" style={{ gap: 4 }}>
        <LockIcon /> solid: mTLS · dashed: plaintext
      </span>
    </div>
  );
}
