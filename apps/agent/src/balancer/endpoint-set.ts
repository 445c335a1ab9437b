import type { Endpoint } from "@mesh/shared";
import { EndpointState } from "./endpoint-state.ts";

/**
 * The live endpoints of one backend (a destination's version, or all of its versions). `update`
 * replaces the list on a new snapshot keeping each instance's stats; `available` lists those not
 * ejected, recomputed only when an ejection starts or ends, so picking does no filtering.
 */
export class EndpointSet {
  all: EndpointState[] = [];
  available: EndpointState[] = [];
  private nextReturnAt = Infinity;

  constructor(endpoints: readonly Endpoint[] = []) {
    this.update(endpoints);
  }

  update(endpoints: readonly Endpoint[], previous: ReadonlyMap<string, EndpointState> = this.byInstance()): void {
    this.all = endpoints.map((endpoint) => {
      const kept = previous.get(endpoint.instanceId);
      return kept && sameEndpoint(kept.endpoint, endpoint) ? kept : new EndpointState(endpoint);
    });
    this.refresh(Date.now());
  }

  byInstance(): Map<string, EndpointState> {
    return new Map(this.all.map((state) => [state.instanceId, state]));
  }

  /** Endpoints not ejected at `now`; cheap unless an ejection just started or ended. */
  availableAt(now: number): EndpointState[] {
    if (now >= this.nextReturnAt) this.refresh(now);
    return this.available;
  }

  /** Recomputes the available list; outlier detection calls it after ejecting an endpoint. */
  refresh(now: number): void {
    let nextReturnAt = Infinity;
    const available: EndpointState[] = [];
    for (const state of this.all) {
      if (state.ejectedUntil > now) nextReturnAt = Math.min(nextReturnAt, state.ejectedUntil);
      else available.push(state);
    }
    this.available = available;
    this.nextReturnAt = nextReturnAt;
  }

  ejectedCount(now: number): number {
    let count = 0;
    for (const state of this.all) if (state.ejectedUntil > now) count++;
    return count;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port && a.version === b.version;
}
