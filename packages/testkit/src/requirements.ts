/**
 * Suites that need something the machine may lack (network namespaces, Chromium, promtool). Under CI
 * they must fail when they cannot run, never skip: a green CI run has then really run them. Outside
 * CI they may skip, saying why.
 */

/** CI=true (any value but "", "0", "false"). */
export function underCi(): boolean {
  const value = (process.env.CI ?? "").trim().toLowerCase();
  return value !== "" && value !== "0" && value !== "false";
}

/**
 * Whether a suite that needs `what` should be skipped, given why it cannot run here (`unavailable`,
 * null when it can). Outside CI: true, with the reason printed. Under CI: false, so the suite runs
 * and `failIfUnavailable` in its beforeAll fails it with the reason.
 */
export function skipOutsideCi(unavailable: string | null, what: string): boolean {
  if (unavailable === null) return false;
  if (underCi()) return false;
  console.warn(`skipping ${what}: ${unavailable} (under CI=true this fails instead)`);
  return true;
}

/** Throws (so the suite fails) when `unavailable` says it cannot run: call it first in beforeAll. */
export function failIfUnavailable(unavailable: string | null, what: string): void {
  if (unavailable !== null) throw new Error(`${what} cannot run here and CI must not skip it: ${unavailable}`);
}
