import type { CircuitBreaker } from "@mesh/shared";
import { circuitBreakerSchema, parseDuration } from "@mesh/shared";
import type { EndpointSet } from "../balancer/endpoint-set.ts";
import type { EndpointState } from "../balancer/endpoint-state.ts";

export interface OutlierSettings {
  consecutiveErrors: number;
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

export function outlierSettings(breaker: CircuitBreaker): OutlierSettings {
  return {
    consecutiveErrors: breaker.consecutiveErrors,
    intervalMs: parseDuration(breaker.interval),
    baseEjectionMs: parseDuration(breaker.baseEjectionTime),
    maxEjectionPercent: breaker.maxEjectionPercent,
  };
}

/** A TrafficPolicy without circuitBreaker still ejects failing endpoints, with the schema's defaults (5 in a row, 30 s, ≤ 50 %). */
export const DEFAULT_OUTLIER_SETTINGS: OutlierSettings = outlierSettings(circuitBreakerSchema.parse({}));

/**
 * Consecutive 5xx / connect errors eject an endpoint for baseEjectionTime × (times ejected), never
 * more than maxEjectionPercent of the set at once; it returns by itself when the time is up.
 * Errors further apart than `interval` do not count as consecutive.
 */
export function recordOutcome(settings: OutlierSettings, set: EndpointSet, state: EndpointState, failed: boolean, now: number): boolean {
  if (!failed) {
    state.consecutiveErrors = 0;
    // A host that stayed healthy a whole base ejection time since its return earns back one multiplier.
    if (state.ejections > 0 && now - state.ejectedUntil > settings.baseEjectionMs) state.ejections--;
    return false;
  }
  if (now - state.lastErrorAt > settings.intervalMs) state.consecutiveErrors = 0;
  state.lastErrorAt = now;
  state.consecutiveErrors++;
  if (state.consecutiveErrors < settings.consecutiveErrors || state.ejectedUntil > now) return false;
  const ejectedAfter = set.ejectedCount(now) + 1;
  if ((ejectedAfter / set.all.length) * 100 > settings.maxEjectionPercent) return false;
  state.ejections++;
  state.ejectedUntil = now + settings.baseEjectionMs * state.ejections;
  state.consecutiveErrors = 0;
  set.refresh(now);
  return true;
}
