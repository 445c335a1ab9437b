import type { TLSSocket } from "node:tls";
import type { EndpointState } from "../balancer/endpoint-state.ts";
import { backoffDelay } from "../discovery/backoff.ts";
import { CONNECT_TIMEOUT_MS } from "../upstream/upstream-connection.ts";

/** First reconnect after ~0.1 s, then doubling to every 1–2 s: a restarted peer is back within a couple of seconds. */
const PROBE_BACKOFF = { baseMs: 100, capMs: 2000 };

/** Opens one connection (TLS and peer identity included) to an endpoint; null while the agent has no certificate. */
export type ProbeConnect = (state: EndpointState, expectedIdentity: string) => TLSSocket | null;

/**
 * Background reconnects to unreachable endpoints: one probe at a time per endpoint, with the agent's
 * backoff, until a connection succeeds and the endpoint is picked again. Requests never wait on them.
 */
export class ReconnectProbes {
  /** The pending timer of each endpoint being probed (or null while its connection attempt is out). */
  private readonly probes = new Map<EndpointState, NodeJS.Timeout | null>();

  constructor(private readonly connect: ProbeConnect) {}

  start(state: EndpointState, expectedIdentity: string): void {
    if (this.probes.has(state) || state.unreachable === null) return;
    this.schedule(state, expectedIdentity);
  }

  /** Stops probing endpoints that left the snapshot. */
  retainOnly(live: ReadonlySet<EndpointState>): void {
    for (const [state, timer] of this.probes) {
      if (live.has(state)) continue;
      if (timer) clearTimeout(timer);
      this.probes.delete(state);
    }
  }

  close(): void {
    for (const timer of this.probes.values()) if (timer) clearTimeout(timer);
    this.probes.clear();
  }

  private schedule(state: EndpointState, expectedIdentity: string): void {
    const timer = setTimeout(() => this.attempt(state, expectedIdentity), backoffDelay(state.reconnectAttempts, PROBE_BACKOFF));
    timer.unref();
    this.probes.set(state, timer);
  }

  private attempt(state: EndpointState, expectedIdentity: string): void {
    // A request may have connected meanwhile (panic mode) and brought it back already.
    if (state.unreachable === null) return void this.probes.delete(state);
    const socket = this.connect(state, expectedIdentity);
    if (!socket) return this.retry(state, expectedIdentity);
    this.probes.set(state, null);
    let connected = false;
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.once("secureConnect", () => {
      connected = true;
      socket.end();
      if (this.probes.delete(state)) state.markReachable();
    });
    socket.on("error", () => undefined);
    socket.once("close", () => {
      if (!connected && this.probes.has(state)) this.retry(state, expectedIdentity);
    });
  }

  private retry(state: EndpointState, expectedIdentity: string): void {
    state.reconnectAttempts++;
    this.schedule(state, expectedIdentity);
  }
}
