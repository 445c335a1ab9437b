import type { Balancer } from "./balancer.ts";
import type { EndpointState } from "./endpoint-state.ts";

export class RandomBalancer implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(available: readonly EndpointState[]): EndpointState | undefined {
    if (available.length === 0) return undefined;
    return available[Math.floor(this.random() * available.length)];
  }
}
