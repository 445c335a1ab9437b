import type { AgentSnapshot } from "@mesh/shared";
import { TokenBucket } from "../resilience/rate-limit.ts";

/** The inbound rate limit of this service (snapshot.inbound.rateLimit), one bucket per agent. */
export class InboundRateLimiter {
  private bucket: TokenBucket | null = null;

  apply(snapshot: AgentSnapshot): void {
    const limit = snapshot.inbound.rateLimit;
    const now = Date.now();
    if (!limit) this.bucket = null;
    else if (this.bucket) this.bucket.reconfigure(limit.requestsPerSecond, limit.burst, now);
    else this.bucket = new TokenBucket(limit.requestsPerSecond, limit.burst, now);
  }

  tryAdmit(now: number): boolean {
    return this.bucket === null || this.bucket.tryTake(now);
  }
}
