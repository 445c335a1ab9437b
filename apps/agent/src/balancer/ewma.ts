import { twoRandomIndices, type Balancer } from "./balancer.ts";
import type { EndpointState } from "./endpoint-state.ts";

/** Power of two choices on peak-EWMA latency weighted by in-flight requests (Linkerd's default). */
export class EwmaBalancer implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(available: readonly EndpointState[]): EndpointState | undefined {
    if (available.length <= 1) return available[0];
    const [i, j] = twoRandomIndices(available.length, this.random);
    const a = available[i]!;
    const b = available[j]!;
    return b.ewmaCost() < a.ewmaCost() ? b : a;
  }
}
