import { IDEMPOTENT_METHODS, type RetryPolicy } from "@mesh/shared";

/** Why an attempt failed before a response arrived. */
export type AttemptFailure = "connect-failure" | "reset" | "per-try-timeout";

type RetryOn = RetryPolicy["retryOn"];

/** Whether a response status asks for another attempt under `retryOn` (Envoy's meanings). */
export function isRetryableStatus(status: number, retryOn: RetryOn): boolean {
  for (const condition of retryOn) {
    if (condition === "5xx" && status >= 500) return true;
    if (condition === "gateway-error" && (status === 502 || status === 503 || status === 504)) return true;
    if (condition === "retriable-4xx" && status === 409) return true;
  }
  return false;
}

/** A per-try timeout counts as a 5xx/gateway error, as in Envoy; connect and reset have their own words. */
export function isRetryableFailure(failure: AttemptFailure, retryOn: RetryOn): boolean {
  if (failure === "per-try-timeout") return retryOn.includes("5xx") || retryOn.includes("gateway-error");
  return retryOn.includes(failure);
}

export function mayRetryMethod(method: string, policy: RetryPolicy): boolean {
  return policy.retryNonIdempotent || IDEMPOTENT_METHODS.has(method);
}

/**
 * The retry conditions that apply to one request: all of them for methods safe to repeat; for the
 * others only connect-failure, since a request that never reached a peer cannot have run twice.
 */
export function retryConditionsFor(method: string, policy: RetryPolicy): RetryOn {
  if (mayRetryMethod(method, policy)) return policy.retryOn;
  return policy.retryOn.filter((condition) => condition === "connect-failure");
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(retry-1))]. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: number = Math.random()): number {
  return random * Math.min(maxMs, baseMs * 2 ** (retry - 1));
}
