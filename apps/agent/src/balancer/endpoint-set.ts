import type { Endpoint } from "@mesh/shared";
import { EndpointState, type EjectionEpoch } from "./endpoint-state.ts";

export type { EjectionEpoch } from "./endpoint-state.ts";

/**
 * The live endpoints of one backend (a destination's version, or all of its versions). `update`
 * replaces the list on a new snapshot keeping each instance's stats; `available` lists those not
 * ejected, recomputed only when an ejection starts or ends, so picking does no filtering. When every
 * endpoint left is unreachable they are all listed anyway (Envoy's panic mode): trying one beats failing
 * without trying, and a success brings it back sooner than its probe would.
 */
export class EndpointSet {
  all: EndpointState[] = [];
  available: EndpointState[] = [];
  private nextReturnAt = Infinity;
  private seenEpoch = 0;

  constructor(
    endpoints: readonly Endpoint[] = [],
    private readonly epoch: EjectionEpoch = { value: 0 },
  ) {
    this.update(endpoints);
  }

  update(endpoints: readonly Endpoint[], previous: ReadonlyMap<string, EndpointState> = this.byInstance()): void {
    this.all = endpoints.map((endpoint) => {
      const kept = previous.get(endpoint.instanceId);
      return kept && sameEndpoint(kept.endpoint, endpoint) ? kept : new EndpointState(endpoint, this.epoch);
    });
    this.recompute(Date.now());
  }

  byInstance(): Map<string, EndpointState> {
    return new Map(this.all.map((state) => [state.instanceId, state]));
  }

  /** Endpoints not ejected at `now`; cheap unless an ejection just started or ended. */
  availableAt(now: number): EndpointState[] {
    if (now >= this.nextReturnAt || this.seenEpoch !== this.epoch.value) this.recompute(now);
    return this.available;
  }

  /** Outlier detection calls this after ejecting an endpoint (of this set, and so of every set sharing the epoch); markUnreachable bumps the epoch itself. */
  refresh(now: number): void {
    this.epoch.value++;
    this.recompute(now);
  }

  private recompute(now: number): void {
    this.seenEpoch = this.epoch.value;
    let nextReturnAt = Infinity;
    const available: EndpointState[] = [];
    let unreachable = 0;
    for (const state of this.all) {
      if (state.ejectedUntil > now) nextReturnAt = Math.min(nextReturnAt, state.ejectedUntil);
      else if (state.unreachable !== null) unreachable++;
      else available.push(state);
    }
    if (available.length === 0 && unreachable > 0) for (const state of this.all) if (state.ejectedUntil <= now) available.push(state);
    this.available = available;
    this.nextReturnAt = nextReturnAt;
  }

  ejectedCount(now: number): number {
    let count = 0;
    for (const state of this.all) if (state.isEjected(now)) count++;
    return count;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port && a.version === b.version;
}
