import type { ClientConnection } from "./client-connection.ts";
import { Phase } from "./client-connection.ts";

/** How long a client may take at each step of a request, and how much head it may send. */
export interface ListenerTimeouts {
  /** From a connection's first byte (or its opening) to a complete request head. */
  headMs: number;
  /** From the head to the last byte of the body. */
  bodyMs: number;
  /** A kept-alive connection with no request; longer than common clients' idle timeouts. */
  idleMs: number;
  maxHeadBytes: number;
}

/**
 * Defaults, each overridable through the environment (tests use short ones): a slow or silent client
 * is cut off instead of pinning a connection to the peer and the app.
 */
export const LISTENER_TIMEOUTS: ListenerTimeouts = {
  headMs: positiveInteger(process.env.MESH_AGENT_HEADERS_TIMEOUT_MS) ?? 10_000,
  bodyMs: positiveInteger(process.env.MESH_AGENT_BODY_TIMEOUT_MS) ?? 60_000,
  idleMs: positiveInteger(process.env.MESH_AGENT_IDLE_TIMEOUT_MS) ?? 65_000,
  maxHeadBytes: 64 * 1024,
};

/**
 * One coarse timer per listener instead of one per request: every connection's phase and the time it
 * entered it are checked a few times per head timeout.
 */
export function sweepConnections(connections: ReadonlySet<ClientConnection>, timeouts: ListenerTimeouts): NodeJS.Timeout {
  const interval = Math.max(50, Math.min(1000, Math.floor(timeouts.headMs / 4)));
  const timer = setInterval(() => {
    const now = performance.now();
    for (const connection of connections) {
      const elapsed = now - connection.phaseSince;
      switch (connection.phase) {
        case Phase.Idle:
          if (elapsed > (connection.requests === 0 ? timeouts.headMs : timeouts.idleMs)) connection.destroy();
          break;
        case Phase.Head:
          if (elapsed > timeouts.headMs) connection.refuse(408, `the request head did not arrive within ${timeouts.headMs} ms`);
          break;
        case Phase.Body:
          if (elapsed > timeouts.bodyMs) connection.current?.answer("client-timeout", `the request body did not arrive within ${timeouts.bodyMs} ms`);
          break;
        case Phase.Waiting:
        case Phase.Tunnel:
          break;
      }
    }
  }, interval);
  timer.unref();
  return timer;
}

function positiveInteger(text: string | undefined): number | null {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value > 0 ? value : null;
}
