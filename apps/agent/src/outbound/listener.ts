import { createServer, type Server } from "node:net";
import { ClientConnection, type ListenerHooks } from "../listener/client-connection.ts";
import { sweepConnections } from "../listener/listener-timeouts.ts";

export interface OutboundListener {
  tcp: Server;
  close(): Promise<void>;
  /** Ends kept-alive connections that are between requests (call while draining). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** The app-facing listener: plain HTTP on loopback only (the data plane binds it), so nothing off-host can use the agent's identity. */
export function createOutboundListener(hooks: ListenerHooks): OutboundListener {
  const { connections, timeouts } = hooks;
  const tcp = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    new ClientConnection(socket, hooks);
  });
  const sweeper = sweepConnections(connections, timeouts);
  const closeIdleConnections = (): void => {
    for (const connection of connections) if (connection.idle) connection.destroy();
  };
  return {
    tcp,
    close() {
      clearInterval(sweeper);
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      closeIdleConnections();
      return closed;
    },
    closeIdleConnections,
    closeAllConnections() {
      for (const connection of connections) connection.destroy();
    },
  };
}
