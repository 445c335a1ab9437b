import type { Backend } from "./resources.ts";

/**
 * Builds a picker over weighted backends: pick(r) with r uniform in [0,1) returns a backend with
 * probability weight/100. Zero-weight backends are never picked. Cumulative weights are computed
 * once so the agent's per-request cost is a short scan.
 */
export function weightedPicker<B extends Backend>(backends: readonly B[]): (random: number) => B {
  const live = backends.filter((b) => b.weight > 0);
  if (live.length === 0) throw new Error("no backend has a weight above zero");
  const total = live.reduce((sum, b) => sum + b.weight, 0);
  const bounds = new Float64Array(live.length);
  let cumulative = 0;
  live.forEach((b, i) => {
    cumulative += b.weight / total;
    bounds[i] = cumulative;
  });
  bounds[live.length - 1] = 1;
  return (random) => {
    for (let i = 0; i < bounds.length; i++) if (random < bounds[i]!) return live[i]!;
    return live[live.length - 1]!;
  };
}

export function chooseBackend<B extends Backend>(backends: readonly B[], random: number = Math.random()): B {
  return weightedPicker(backends)(random);
}
