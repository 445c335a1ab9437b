import type { EndpointState } from "./endpoint-state.ts";

/** Chooses one of the available endpoints; undefined only when the list is empty. */
export interface Balancer {
  pick(available: readonly EndpointState[]): EndpointState | undefined;
}

/** Two distinct random indices for power-of-two-choices; the caller ensures length >= 2. */
export function twoRandomIndices(length: number, random: () => number): [number, number] {
  const a = Math.floor(random() * length);
  let b = Math.floor(random() * (length - 1));
  if (b >= a) b++;
  return [a, b];
}
