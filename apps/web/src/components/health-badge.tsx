import { deniedPercent, HEALTH_CLASS, trafficHealth, type Health, type TrafficStats } from "../health/health.ts";
import { formatPercent } from "../format/figures.ts";

export function HealthBadge({ health }: { health: Health }) {
  return (
    <span className={`badge ${HEALTH_CLASS[health]}`}>
      <span className={`dot ${HEALTH_CLASS[health]}`} />
      {health}
    </span>
  );
}

/** What a service or call did, in words: idle, denied (and by which policy), or its 5xx and 4xx shares. */
export function trafficSummary(stats: TrafficStats): string {
  const health = trafficHealth(stats);
  if (health === "idle") return "idle";
  if (health === "denied") {
    const by = stats.denied?.policy ? ` by ${stats.denied.policy}` : "";
    return `${formatPercent(deniedPercent(stats))} denied${by}`;
  }
  const server = `${formatPercent(stats.errorPercent ?? 0)} 5xx`;
  const client = stats.clientErrorPercent ? ` · ${formatPercent(stats.clientErrorPercent)} 4xx` : "";
  return server + client;
}

export function TrafficBadge({ stats }: { stats: TrafficStats }) {
  const health = trafficHealth(stats);
  return (
    <span className={`badge ${HEALTH_CLASS[health]}`} data-health={health} title={health}>
      {trafficSummary(stats)}
    </span>
  );
}
