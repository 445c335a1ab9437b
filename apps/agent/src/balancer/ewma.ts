import { PowerOfTwoChoices } from "./power-of-two-choices.ts";

/** Power of two choices on peak-EWMA latency weighted by in-flight requests (Linkerd's default). */
export class EwmaBalancer extends PowerOfTwoChoices {
  constructor(random: () => number = Math.random) {
    super((endpoint) => endpoint.ewmaCost(), random);
  }
}
