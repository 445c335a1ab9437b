import { HEALTH_CLASS, healthOf, type Health } from "../health/health.ts";
import { formatPercent } from "../format/figures.ts";

export function HealthBadge({ health }: { health: Health }) {
  return (
    <span className={`badge ${HEALTH_CLASS[health]}`}>
      <span className={`dot ${HEALTH_CLASS[health]}`} />
      {health}
    </span>
  );
}

export function ErrorRateBadge({ requests, errorPercent }: { requests: number; errorPercent: number | null }) {
  const health = healthOf(requests, errorPercent ?? 0);
  return <span className={`badge ${HEALTH_CLASS[health]}`}>{requests > 0 ? formatPercent(errorPercent ?? 0) : "no traffic"}</span>;
}
