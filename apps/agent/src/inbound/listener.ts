import { createServer as createPlainServer, type RequestListener, type Server as HttpServer } from "node:http";
import { createServer as createTlsServer, type Server as HttpsServer } from "node:https";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { HEADERS_TIMEOUT_MS, HTTP_SERVER_OPTIONS, hardenHttpServer } from "../listener-hardening.ts";
import type { TlsCredentials } from "../state.ts";

const TLS_HANDSHAKE = 0x16;

export interface InboundListener {
  tcp: TcpServer;
  /** Current credentials: swapped into the TLS server without dropping connections or requests. */
  setCredentials(credentials: TlsCredentials): void;
  /** Refuses new connections and ends idle keep-alive ones; resolves once every connection has ended. */
  close(): Promise<void>;
  /** Ends keep-alive connections that became idle since (call while draining). */
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/**
 * One port for mTLS and, in permissive mode, plaintext: the first byte tells them apart (0x16
 * starts a TLS handshake). The TLS side demands a client certificate signed by the mesh CA, so
 * plaintext (in strict mode) and foreign certificates are refused in the handshake.
 */
export function createInboundListener(handler: RequestListener, permissive: () => boolean): InboundListener {
  const tls: HttpsServer = createTlsServer({ requestCert: true, rejectUnauthorized: true, handshakeTimeout: HEADERS_TIMEOUT_MS, ...HTTP_SERVER_OPTIONS }, handler);
  const plain: HttpServer = createPlainServer(HTTP_SERVER_OPTIONS, handler);
  for (const server of [tls, plain]) {
    hardenHttpServer(server);
    // These servers get their sockets from the TCP listener and never listen themselves; Node starts
    // connection tracking (header timeouts, closeIdleConnections) on "listening", so announce it.
    server.emit("listening");
  }
  // noDelay: small responses must not wait for Nagle; http.createServer sets it, a bare TCP server does not.
  // Every accepted socket, including ones still in their TLS handshake that no HTTP server tracks yet.
  const sockets = new Set<Socket>();
  const tcp = createTcpServer({ noDelay: true, keepAlive: true }, (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // A connection that never sends a byte reaches neither the TLS handshake timeout nor the HTTP one.
    socket.setTimeout(HEADERS_TIMEOUT_MS, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      // The TLS socket reads what was unshifted before taking over the handle; the HTTP parser needs a push.
      if (first[0] === TLS_HANDSHAKE || !permissive()) tls.emit("connection", socket);
      else {
        plain.emit("connection", socket);
        socket.resume();
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return {
    tcp,
    setCredentials(credentials) {
      tls.setSecureContext({ key: credentials.keyPem, cert: credentials.certificatePem, ca: credentials.caPem });
    },
    close() {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      tls.close();
      plain.close();
      tls.closeIdleConnections();
      plain.closeIdleConnections();
      return closed;
    },
    closeIdleConnections() {
      tls.closeIdleConnections();
      plain.closeIdleConnections();
    },
    closeAllConnections() {
      tls.closeAllConnections();
      plain.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
}
