/** Whether `value` nests arrays/objects deeper than `limit` levels; walked with its own stack, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const member of Array.isArray(next.value) ? next.value : Object.values(next.value)) pending.push({ value: member, depth });
  }
  return false;
}
