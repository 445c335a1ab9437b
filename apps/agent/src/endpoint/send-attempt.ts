import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import type { Readable } from "node:stream";
import type { AttemptFailure } from "../resilience/retry.ts";

/** An attempt that ended before a response: how, and the underlying error for the message. */
export class AttemptError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Errors that mean no connection (or no trusted one) was made, whatever the socket state. */
const CONNECT_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNABORTED", "EADDRNOTAVAIL"]);

export function classifyFailure(error: NodeJS.ErrnoException, connected: boolean): AttemptFailure {
  const code = error.code ?? "";
  if (CONNECT_CODES.has(code) || code === "ERR_MESH_PEER_IDENTITY" || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL")) return "connect-failure";
  if (code.includes("CERT") || code.includes("SIGNATURE") || code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE") return "connect-failure";
  return connected ? "reset" : "connect-failure";
}

export type RequestFunction = (options: RequestOptions) => ClientRequest;

/**
 * One request to one upstream. Resolves with the response head (the body is left to stream);
 * rejects with an AttemptError on connect failure, reset or `timeoutMs` (0 = none) without a
 * response. `body` is a buffered (replayable) body, a stream to pipe, or null for none.
 */
export function sendAttempt(
  send: RequestFunction,
  options: RequestOptions,
  body: Buffer | Readable | null,
  timeoutMs: number,
): { request: ClientRequest; response: Promise<IncomingMessage> } {
  const request = send(options);
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        reject(new AttemptError("per-try-timeout", `no response within ${timeoutMs} ms`));
        request.destroy();
      }, timeoutMs);
    }
    request.once("socket", (socket) => {
      if (request.reusedSocket) connected = true;
      else socket.once((socket as { encrypted?: boolean }).encrypted ? "secureConnect" : "connect", () => (connected = true));
    });
    request.once("response", (incoming) => {
      clearTimeout(timer);
      resolve(incoming);
    });
    request.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new AttemptError(classifyFailure(error, connected), error.message));
    });
  });
  if (body === null) request.end();
  else if (Buffer.isBuffer(body)) request.end(body);
  else body.pipe(request);
  return { request, response };
}
