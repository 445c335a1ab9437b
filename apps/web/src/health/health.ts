export type Health = "healthy" | "degraded" | "failing" | "denied" | "idle";

/** Kiali's default thresholds for server errors (5xx): any error above 0.1 % degrades, above 20 % fails. */
export const DEGRADED_ABOVE_PERCENT = 0.1;
export const FAILING_ABOVE_PERCENT = 20;
/** Kiali's default thresholds for client errors (4xx): above 10 % degrades, above 20 % fails. */
export const CLIENT_DEGRADED_ABOVE_PERCENT = 10;
export const CLIENT_FAILING_ABOVE_PERCENT = 20;
/** A call whose denied share is above this is drawn as denied, not as failing. */
export const DENIED_ABOVE_PERCENT = 10;

/** What a service or a call did over a window, as the graph reports it. */
export interface TrafficStats {
  requests: number;
  /** 5xx share, 0..100. */
  errorPercent: number | null;
  /** 4xx share, 0..100 (denied calls included). */
  clientErrorPercent?: number | null;
  /** Denied calls, and their share of the calls as the destination's access log counted them. */
  denied?: { count: number; percent: number; policy: string | null };
}

const RANK: Record<Health, number> = { idle: 0, healthy: 1, degraded: 2, denied: 3, failing: 4 };
const worse = (a: Health, b: Health): Health => (RANK[a] >= RANK[b] ? a : b);

/** Health from 5xx alone (the old single-threshold reading; versions still use it). */
export function healthOf(requests: number, errorPercent: number): Health {
  if (requests <= 0) return "idle";
  if (errorPercent > FAILING_ABOVE_PERCENT) return "failing";
  if (errorPercent > DEGRADED_ABOVE_PERCENT) return "degraded";
  return "healthy";
}

/** Health from 5xx and 4xx with their own thresholds; mostly-denied traffic is its own state. */
export function trafficHealth(stats: TrafficStats): Health {
  if (stats.requests <= 0) return "idle";
  const server = healthOf(stats.requests, stats.errorPercent ?? 0);
  const clientPercent = stats.clientErrorPercent ?? 0;
  const client: Health = clientPercent > CLIENT_FAILING_ABOVE_PERCENT ? "failing" : clientPercent > CLIENT_DEGRADED_ABOVE_PERCENT ? "degraded" : "healthy";
  if (deniedPercent(stats) > DENIED_ABOVE_PERCENT && server !== "failing") return "denied";
  return worse(server, client);
}

/** Share of the calls the destination refused on access policy, 0..100. */
export function deniedPercent(stats: TrafficStats): number {
  return stats.requests > 0 ? (stats.denied?.percent ?? 0) : 0;
}

export const HEALTH_COLOUR: Record<Health, string> = {
  healthy: "#1f9d55",
  degraded: "#c27803",
  failing: "#d43c3c",
  denied: "#7b3fc4",
  idle: "#9aa1ad",
};

/** The CSS class (.dot / .badge) for a health. */
export const HEALTH_CLASS: Record<Health, string> = { healthy: "ok", degraded: "warn", failing: "bad", denied: "denied", idle: "idle" };
