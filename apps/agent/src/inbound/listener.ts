import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { ClientConnection, type ListenerHooks } from "../listener/client-connection.ts";
import { sweepConnections } from "../listener/listener-timeouts.ts";
import type { TlsCredentials } from "../state.ts";

const TLS_HANDSHAKE = 0x16;

export interface InboundListener {
  tcp: TcpServer;
  /** Current credentials: swapped into the TLS server without dropping connections or requests. */
  setCredentials(credentials: TlsCredentials): void;
  /** Refuses new connections; resolves once every connection has ended. */
  close(): Promise<void>;
  /** Ends kept-alive connections that are between requests (call while draining). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/**
 * One port for mTLS and, in permissive mode, plaintext: the first byte tells them apart (0x16
 * starts a TLS handshake). The TLS side demands a client certificate signed by the mesh CA, so
 * plaintext (in strict mode) and foreign certificates are refused in the handshake.
 */
export function createInboundListener(hooks: ListenerHooks, permissive: () => boolean): InboundListener {
  const { timeouts, connections } = hooks;
  const tls = createTlsServer({ requestCert: true, rejectUnauthorized: true, handshakeTimeout: timeouts.headMs, allowHalfOpen: true }, (socket: TLSSocket) => {
    new ClientConnection(socket, hooks);
  });
  // Every accepted socket, including ones still in their TLS handshake that no connection tracks yet.
  const sockets = new Set<Socket>();
  const tcp = createTcpServer({ noDelay: true, keepAlive: true, allowHalfOpen: true }, (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // A connection that never sends a byte reaches neither the TLS handshake timeout nor the head one.
    socket.setTimeout(timeouts.headMs, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE || !permissive()) tls.emit("connection", socket);
      else {
        new ClientConnection(socket, hooks);
        socket.resume();
      }
    });
    socket.on("error", () => socket.destroy());
  });
  const sweeper = sweepConnections(connections, timeouts);
  const closeIdleConnections = (): void => {
    for (const connection of connections) if (connection.idle) connection.destroy();
  };
  return {
    tcp,
    setCredentials(credentials) {
      tls.setSecureContext({ key: credentials.keyPem, cert: credentials.certificatePem, ca: credentials.caPem });
    },
    close() {
      clearInterval(sweeper);
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      closeIdleConnections();
      return closed.then(() => waitUntilEmpty(sockets));
    },
    closeIdleConnections,
    closeAllConnections() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

function waitUntilEmpty(sockets: Set<Socket>): Promise<void> {
  if (sockets.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = sockets.size;
    for (const socket of sockets) socket.once("close", () => --left === 0 && resolve());
  });
}
