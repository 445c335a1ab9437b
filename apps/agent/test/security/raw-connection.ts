import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { TlsCredentials } from "../../src/state.ts";

export interface RawOutcome {
  /** Everything the agent wrote back before the connection ended. */
  response: string;
  /** The connection was closed by the agent (as opposed to our own timeout). */
  closedByPeer: boolean;
  /** The TLS handshake or the socket failed; the reason. */
  error: string | null;
  elapsedMs: number;
}

/** A plain TCP connection to 127.0.0.1:port. */
export function plainSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** A TLS connection to an agent's inbound port, presenting `client` (or no certificate). */
export function tlsSocket(port: number, caPem: string, client: TlsCredentials | null): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: "127.0.0.1",
        port,
        ca: caPem,
        ...(client ? { key: client.keyPem, cert: client.certificatePem } : {}),
        // Agents are named by SPIFFE URI, not DNS; the mesh CA alone is the trust here.
        checkServerIdentity: () => undefined,
      },
      () => resolve(socket),
    );
    socket.once("error", reject);
  });
}

/** Writes `chunks` and reads until the agent closes the connection, or `timeoutMs` passes. */
export function exchange(socket: Socket, chunks: (string | Buffer)[], timeoutMs = 10_000): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let response = "";
    let error: string | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      done(false);
    }, timeoutMs);
    const done = (closedByPeer: boolean): void => {
      clearTimeout(timer);
      resolve({ response, closedByPeer, error, elapsedMs: performance.now() - started });
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (response += chunk));
    socket.on("error", (e: Error) => (error = e.message));
    socket.once("close", () => done(true));
    for (const chunk of chunks) socket.write(chunk);
  });
}

/** Connects over TLS and reports how the connection ended: handshake refusals surface as `error` or a close with no response. */
export async function tlsExchange(port: number, caPem: string, client: TlsCredentials | null, request: string): Promise<RawOutcome> {
  const started = performance.now();
  let socket: Socket;
  try {
    socket = await tlsSocket(port, caPem, client);
  } catch (error) {
    return { response: "", closedByPeer: true, error: (error as Error).message, elapsedMs: performance.now() - started };
  }
  return exchange(socket, [request]);
}

export function statusLine(response: string): string {
  return response.split("\r\n", 1)[0] ?? "";
}
