import type { Balancer } from "./balancer.ts";
import type { EndpointState } from "./endpoint-state.ts";

export class RoundRobinBalancer implements Balancer {
  private next = 0;

  pick(available: readonly EndpointState[]): EndpointState | undefined {
    if (available.length === 0) return undefined;
    if (this.next >= available.length) this.next = 0;
    return available[this.next++];
  }
}
