import type { Endpoint } from "@mesh/shared";

/** Decay time of the latency average: a slow spell fades within a few seconds. */
const EWMA_DECAY_MS = 10_000;

/**
 * One instance of a destination with the stats balancers and outlier detection read. Kept by
 * instanceId across snapshot updates, so a config push does not forget who was slow or failing.
 */
export class EndpointState {
  /** "address:port", what logs and records name as the peer. */
  readonly authority: string;
  inFlight = 0;
  /** Peak-EWMA latency in ms (Finagle/Linkerd): jumps up on a slow response, decays down over time. */
  ewmaMs = 0;
  private ewmaUpdatedAt = 0;
  // Outlier detection (resilience/outlier.ts) owns these.
  consecutiveErrors = 0;
  lastErrorAt = 0;
  ejectedUntil = 0;
  ejections = 0;

  constructor(readonly endpoint: Endpoint) {
    this.authority = `${endpoint.address}:${endpoint.port}`;
  }

  get instanceId(): string {
    return this.endpoint.instanceId;
  }

  recordLatency(ms: number, now: number): void {
    if (ms > this.ewmaMs) {
      this.ewmaMs = ms;
    } else {
      const weight = Math.exp(-(now - this.ewmaUpdatedAt) / EWMA_DECAY_MS);
      this.ewmaMs = this.ewmaMs * weight + ms * (1 - weight);
    }
    this.ewmaUpdatedAt = now;
  }

  /** EWMA cost with the requests already waiting on it, so a busy fast endpoint is not flooded. */
  ewmaCost(): number {
    return (this.ewmaMs + 1) * (this.inFlight + 1);
  }
}
