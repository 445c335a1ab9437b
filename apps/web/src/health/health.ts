export type Health = "healthy" | "degraded" | "failing" | "idle";

/** Kiali's default thresholds: any error above 0.1 % degrades, above 20 % fails. */
export const DEGRADED_ABOVE_PERCENT = 0.1;
export const FAILING_ABOVE_PERCENT = 20;

export function healthOf(requests: number, errorPercent: number): Health {
  if (requests <= 0) return "idle";
  if (errorPercent > FAILING_ABOVE_PERCENT) return "failing";
  if (errorPercent > DEGRADED_ABOVE_PERCENT) return "degraded";
  return "healthy";
}

export const HEALTH_COLOUR: Record<Health, string> = {
  healthy: "#1f9d55",
  degraded: "#c27803",
  failing: "#d43c3c",
  idle: "#9aa1ad",
};

/** The CSS class (.dot / .badge) for a health. */
export const HEALTH_CLASS: Record<Health, string> = { healthy: "ok", degraded: "warn", failing: "bad", idle: "idle" };
