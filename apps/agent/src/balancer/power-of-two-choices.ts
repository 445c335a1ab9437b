import { twoRandomIndices, type Balancer } from "./balancer.ts";
import type { EndpointState } from "./endpoint-state.ts";

/** Picks two endpoints at random and keeps the cheaper: near-optimal spread without scanning every endpoint. */
export class PowerOfTwoChoices implements Balancer {
  constructor(
    private readonly cost: (endpoint: EndpointState) => number,
    private readonly random: () => number = Math.random,
  ) {}

  pick(available: readonly EndpointState[]): EndpointState | undefined {
    if (available.length <= 1) return available[0];
    const [i, j] = twoRandomIndices(available.length, this.random);
    const a = available[i]!;
    const b = available[j]!;
    return this.cost(b) < this.cost(a) ? b : a;
  }
}
