import { DEFAULT_REQUEST_TIMEOUT, parseDuration, trafficPolicySpecSchema, weightedPicker, type Backend, type DestinationConfig, type RetryPolicy, type Route, type TrafficPolicySpec } from "@mesh/shared";
import type { Balancer } from "../balancer/balancer.ts";
import { createBalancer } from "../balancer/create-balancer.ts";
import { EndpointSet, type EjectionEpoch } from "../balancer/endpoint-set.ts";
import type { EndpointState } from "../balancer/endpoint-state.ts";
import { DEFAULT_OUTLIER_SETTINGS, outlierSettings, type OutlierSettings } from "../resilience/outlier.ts";
import { RetryBudget } from "../resilience/retry-budget.ts";

/** One backend's endpoints (a version, or every version) and the balancer choosing among them. */
export interface BackendPool {
  set: EndpointSet;
  balancer: Balancer;
}

/** A route with its weighted picker, built once per snapshot instead of once per request. */
export interface CompiledRoute {
  route: Route;
  index: number;
  pick: (random: number) => Backend;
  /** "route N", for records and logs. */
  label: string;
}

/** The traffic policy with durations parsed, so the request path never parses text. */
export interface DestinationSettings {
  timeoutMs: number;
  retry: RetryPolicy | null;
  perTryTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  outlier: OutlierSettings;
  maxPendingRequests: number;
  faults: TrafficPolicySpec["faults"];
  faultDelayMs: number;
}

/**
 * Everything the outbound side keeps about one destination service: parsed policy, routes with
 * their pickers, a pool per version, the retry budget and the pending-request count. `update`
 * applies a new snapshot and keeps endpoint stats, budget and counters.
 */
export class Destination {
  settings!: DestinationSettings;
  routes: CompiledRoute[] = [];
  routeList: Route[] = [];
  /** Whether any route matches on headers; if none does, the request's headers are never looked at. */
  routesMatchHeaders = false;
  pools = new Map<string, BackendPool>();
  /** Used when the policy has no routes: every version shares traffic. */
  everyVersion!: BackendPool;
  readonly budget = new RetryBudget(20);
  pending = 0;
  private balancerKind: TrafficPolicySpec["loadBalancer"] | null = null;
  private readonly ejectionEpoch: EjectionEpoch = { value: 0 };

  constructor(
    readonly name: string,
    config: DestinationConfig,
  ) {
    this.update(config);
  }

  update(config: DestinationConfig): void {
    const policy = withDefaults(config.trafficPolicy);
    this.settings = settingsOf(policy);
    this.budget.setPercent(policy?.retries?.budgetPercent ?? 20);
    this.routeList = policy?.routes ?? [];
    this.routes = this.routeList.map((route, index) => ({ route, index, pick: weightedPicker(route.backends), label: `route ${index}` }));
    this.routesMatchHeaders = this.routeList.some((route) => route.match?.headers !== undefined);

    const kind = policy?.loadBalancer ?? "least-request";
    const rebuildBalancers = kind !== this.balancerKind;
    this.balancerKind = kind;
    const previous = new Map<string, EndpointState>();
    for (const pool of this.pools.values()) for (const state of pool.set.all) previous.set(state.instanceId, state);

    const byVersion = new Map<string, typeof config.endpoints>();
    for (const endpoint of config.endpoints) {
      const list = byVersion.get(endpoint.version);
      if (list) list.push(endpoint);
      else byVersion.set(endpoint.version, [endpoint]);
    }
    const pools = new Map<string, BackendPool>();
    for (const [version, endpoints] of byVersion) {
      const old = this.pools.get(version);
      const set = old?.set ?? new EndpointSet([], this.ejectionEpoch);
      set.update(endpoints, previous);
      pools.set(version, { set, balancer: old && !rebuildBalancers ? old.balancer : createBalancer(kind) });
    }
    this.pools = pools;
    // The all-versions pool shares the per-version EndpointState objects, so stats are one truth.
    const all = this.everyVersion?.set ?? new EndpointSet([], this.ejectionEpoch);
    all.update(config.endpoints, previousOf(pools));
    this.everyVersion = { set: all, balancer: this.everyVersion && !rebuildBalancers ? this.everyVersion.balancer : createBalancer(kind) };
  }

  /** Every endpoint state in use, so the connection pools of departed endpoints can be closed. */
  liveStates(): Set<EndpointState> {
    return new Set(this.everyVersion.set.all);
  }
}

function previousOf(pools: Map<string, BackendPool>): Map<string, EndpointState> {
  const states = new Map<string, EndpointState>();
  for (const pool of pools.values()) for (const state of pool.set.all) states.set(state.instanceId, state);
  return states;
}

function settingsOf(policy: TrafficPolicySpec | null): DestinationSettings {
  const retry = policy?.retries && policy.retries.attempts > 1 ? policy.retries : null;
  return {
    timeoutMs: parseDuration(policy?.timeout ?? DEFAULT_REQUEST_TIMEOUT),
    retry,
    perTryTimeoutMs: policy?.retries?.perTryTimeout ? parseDuration(policy.retries.perTryTimeout) : 0,
    backoffBaseMs: retry ? parseDuration(retry.backoff.base) : 0,
    backoffMaxMs: retry ? parseDuration(retry.backoff.max) : 0,
    outlier: policy?.circuitBreaker ? outlierSettings(policy.circuitBreaker) : DEFAULT_OUTLIER_SETTINGS,
    maxPendingRequests: policy?.circuitBreaker?.maxPendingRequests ?? Infinity,
    faults: policy?.faults,
    faultDelayMs: policy?.faults?.delay ? parseDuration(policy.faults.delay.duration) : 0,
  };
}

/** Fills schema defaults (retryOn, backoff, …) in case the pushed policy left them out; validated upstream. */
function withDefaults(policy: TrafficPolicySpec | null): TrafficPolicySpec | null {
  if (!policy) return null;
  const parsed = trafficPolicySpecSchema.safeParse(policy);
  return parsed.success ? parsed.data : policy;
}
