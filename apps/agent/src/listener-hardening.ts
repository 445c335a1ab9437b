import { STATUS_CODES, type Server } from "node:http";
import type { Duplex } from "node:stream";

/**
 * How long a client may take to open a connection and send a complete request head (TLS handshake
 * included): slow or silent clients are cut off instead of holding sockets and memory.
 * MESH_AGENT_HEADERS_TIMEOUT_MS tunes it (tests use a short one); default 60 s, like Node's.
 */
export const HEADERS_TIMEOUT_MS = positiveInteger(process.env.MESH_AGENT_HEADERS_TIMEOUT_MS) ?? 60_000;

/** Options for the agent's node:http(s) servers: keep-alive longer than common client idle timeouts, timeouts checked often enough to honour HEADERS_TIMEOUT_MS. */
export const HTTP_SERVER_OPTIONS = {
  keepAliveTimeout: 65_000,
  connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(HEADERS_TIMEOUT_MS / 4))),
};

/** Applies the request-head limits to a server and answers protocol errors clearly (400 / 408 / 431) before closing. */
export function hardenHttpServer(server: Server): void {
  // Requests may legitimately run long (timeouts are the policy's job, not the listener's); heads may not.
  server.requestTimeout = 0;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on("clientError", answerClientError);
}

const answered = new WeakSet<Duplex>();

/**
 * Node's default answer destroys the socket right after writing it, which loses the answer on TLS
 * and resets the connection while the client is still sending (oversized headers): end it instead,
 * once, and let the client read the answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error.code === "ECONNRESET" || !socket.writable || (socket as Duplex & { bytesWritten?: number }).bytesWritten) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // A client that keeps sending after the answer does not get to keep the connection.
  setTimeout(() => socket.destroy(), 2000).unref();
}

function positiveInteger(text: string | undefined): number | null {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value > 0 ? value : null;
}
