/**
 * How long the next attempt may take: the per-try timeout, cut to what is left of the whole
 * request's deadline. 0 means no limit at all.
 */
export function attemptTimeoutMs(deadline: number, perTryMs: number, now: number): number {
  if (deadline === 0) return perTryMs;
  const remaining = Math.max(1, deadline - now);
  return perTryMs > 0 ? Math.min(perTryMs, remaining) : remaining;
}

/** The absolute time the request must finish by, or 0 without a timeout. */
export function deadlineFor(timeoutMs: number, start: number): number {
  return timeoutMs > 0 ? start + timeoutMs : 0;
}
