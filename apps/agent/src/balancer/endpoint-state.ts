import type { Endpoint } from "@mesh/shared";
import type { EndpointEjection } from "../state.ts";

/** Decay time of the latency average: a slow spell fades within a few seconds. */
const EWMA_DECAY_MS = 10_000;

/** Shared by the sets of one destination, whose endpoint states overlap: an ejection seen by one is seen by all. */
export interface EjectionEpoch {
  value: number;
}

/** Why an endpoint was taken out of the pick list: its connection failed or was reset, or its answers failed in a row. */
export type EjectionReason = EndpointEjection["reason"];

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
  /**
   * Set when a connection to it failed or was reset: out of the pick list at once, with no timer, until
   * a background reconnect (endpoint/reconnect-probe.ts) or a request connects again.
   */
  unreachable: "connect-failure" | "reset" | null = null;
  /** Failed reconnects since it became unreachable: the probe's backoff step. */
  reconnectAttempts = 0;

  constructor(
    readonly endpoint: Endpoint,
    private readonly epoch: EjectionEpoch = { value: 0 },
  ) {
    this.authority = `${endpoint.address}:${endpoint.port}`;
  }

  /** Takes it out of every set sharing the epoch; false when it already was unreachable. */
  markUnreachable(reason: "connect-failure" | "reset"): boolean {
    if (this.unreachable !== null) return false;
    this.unreachable = reason;
    this.reconnectAttempts = 0;
    this.epoch.value++;
    return true;
  }

  /** A connection succeeded: back in the pick list of every set sharing the epoch. */
  markReachable(): void {
    if (this.unreachable === null) return;
    this.unreachable = null;
    this.reconnectAttempts = 0;
    this.consecutiveErrors = 0;
    this.epoch.value++;
  }

  /** Out of the pick list at `now`, for either reason. */
  isEjected(now: number): boolean {
    return this.unreachable !== null || this.ejectedUntil > now;
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
