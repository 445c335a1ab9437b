import { PowerOfTwoChoices } from "./power-of-two-choices.ts";

/** Power of two choices on in-flight requests. */
export class LeastRequestBalancer extends PowerOfTwoChoices {
  constructor(random: () => number = Math.random) {
    super((endpoint) => endpoint.inFlight, random);
  }
}
