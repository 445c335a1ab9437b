export interface WeightSlot {
  version: string;
  /** Whole percent, 0-100. */
  weight: number;
  /** A locked version keeps its weight while others move. */
  locked?: boolean;
}

/**
 * Sets one version's weight and moves the other unlocked versions so the total stays 100: they share
 * what is left in proportion to their current weights (evenly when all are 0), in whole percents
 * (largest remainder). The moved version is clamped to what the locked ones leave free.
 * Expects weights that sum to 100; returns new slots in the same order.
 */
export function rebalanceWeights(slots: readonly WeightSlot[], version: string, requested: number): WeightSlot[] {
  const index = slots.findIndex((s) => s.version === version);
  if (index < 0) throw new Error(`no version ${version} in this split`);
  const lockedTotal = slots.reduce((sum, s, i) => (i !== index && s.locked ? sum + s.weight : sum), 0);
  const free = slots.map((s, i) => i !== index && !s.locked);
  const maximum = Math.max(0, 100 - lockedTotal);
  // With nobody to absorb the change, the moved version must take exactly what is left.
  const target = free.some(Boolean) ? clamp(Math.round(requested), 0, maximum) : maximum;
  const shares = distribute(
    maximum - target,
    slots.map((s, i) => (free[i] ? s.weight : null)),
  );
  return slots.map((s, i) => ({ ...s, weight: i === index ? target : free[i] ? shares[i]! : s.weight }));
}

/** Splits 100 evenly over the unlocked versions, leaving locked ones as they are. */
export function evenWeights(slots: readonly WeightSlot[]): WeightSlot[] {
  const lockedTotal = slots.reduce((sum, s) => (s.locked ? sum + s.weight : sum), 0);
  const shares = distribute(
    Math.max(0, 100 - lockedTotal),
    slots.map((s) => (s.locked ? null : 1)),
  );
  return slots.map((s, i) => (s.locked ? s : { ...s, weight: shares[i]! }));
}

/** Whole-number shares of `total` proportional to `basis` (null = takes no part), by largest remainder. */
function distribute(total: number, basis: readonly (number | null)[]): (number | null)[] {
  const taking = basis.flatMap((b, i) => (b === null ? [] : [i]));
  if (taking.length === 0) return basis.map(() => null);
  const basisTotal = taking.reduce((sum, i) => sum + basis[i]!, 0);
  const exact = taking.map((i) => (basisTotal > 0 ? (total * basis[i]!) / basisTotal : total / taking.length));
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((value, k) => ({ k, remainder: value - floors[k]! })).sort((a, b) => b.remainder - a.remainder || a.k - b.k);
  for (const { k } of byRemainder) {
    if (left <= 0) break;
    floors[k]! += 1;
    left -= 1;
  }
  const out: (number | null)[] = basis.map(() => null);
  taking.forEach((i, k) => (out[i] = floors[k]!));
  return out;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * A route's backends carrying the slots' weights: same order, every other field kept; a version the route
 * did not list (a live one the form offered) joins only when given a weight, so no `weight: 0` appears.
 */
export function backendsWithWeights<B extends { version: string; weight: number }>(backends: readonly B[], slots: readonly WeightSlot[]): (B | { version: string; weight: number })[] {
  const weightOf = new Map(slots.map((s) => [s.version, s.weight]));
  const listed = new Set(backends.map((b) => b.version));
  return [
    ...backends.map((b) => (weightOf.has(b.version) ? { ...b, weight: weightOf.get(b.version)! } : b)),
    ...slots.filter((s) => !listed.has(s.version) && s.weight > 0).map((s) => ({ version: s.version, weight: s.weight })),
  ];
}
