import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import type { Readable } from "node:stream";
import { IDEMPOTENT_METHODS } from "@mesh/shared";
import type { AttemptFailure } from "../resilience/retry.ts";

/** An attempt that ended before a response: how, and the underlying error for the message. */
export class AttemptError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    message: string,
    /** False when no connection was up: the request cannot have reached the upstream, whatever its method. */
    readonly connected: boolean,
  ) {
    super(message);
  }
}

/** Errors that mean no connection (or no trusted one) was made, whatever the socket state. */
const CONNECT_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNABORTED", "EADDRNOTAVAIL"]);

export function classifyFailure(error: NodeJS.ErrnoException, connected: boolean): AttemptFailure {
  const code = error.code ?? "";
  if (CONNECT_CODES.has(code) || code === "ERR_MESH_PEER_IDENTITY" || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL")) return "connect-failure";
  if (code.includes("CERT") || code.includes("SIGNATURE")) return "connect-failure";
  return connected ? "reset" : "connect-failure";
}

export type RequestFunction = (options: RequestOptions) => ClientRequest;

/** A new connection (TCP, and TLS for peers) must be up within this; Envoy's default too. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * One request to one upstream. `response` resolves with the response head (the body is left to
 * stream) or rejects with an AttemptError on connect failure, reset or `timeoutMs` (0 = none).
 * `body` is a buffered (replayable) body, a stream to pipe, or null for none.
 *
 * A pooled keep-alive connection can be closed by the server just as it is reused; that request
 * never reached the server, so an idempotent one with a replayable body is sent once more on a
 * fresh connection instead of failing (what Go's http.Transport does too).
 */
export class Attempt {
  readonly response: Promise<IncomingMessage>;
  private request!: ClientRequest;
  private aborted = false;
  /** Whether the current request's connection is up (TCP, and TLS for peers). */
  private connected = false;

  constructor(
    send: RequestFunction,
    options: RequestOptions,
    body: Buffer | Readable | null,
    timeoutMs: number,
    connectTimeoutMs: number = CONNECT_TIMEOUT_MS,
  ) {
    this.response = new Promise<IncomingMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          reject(new AttemptError("per-try-timeout", `no response within ${timeoutMs} ms`, this.connected));
          this.abort();
        }, timeoutMs);
      }
      const replayable = !isStream(body) && IDEMPOTENT_METHODS.has(options.method ?? "GET");
      const start = (isReplay: boolean): void => {
        const request = send(options);
        this.request = request;
        this.connected = false;
        request.once("socket", (socket) => {
          if (request.reusedSocket) {
            this.connected = true;
            return;
          }
          // A peer that drops SYNs (host gone, link cut) would otherwise hold the request for minutes.
          const connectTimer = setTimeout(() => request.destroy(connectTimeout(connectTimeoutMs)), connectTimeoutMs);
          socket.once("close", () => clearTimeout(connectTimer));
          socket.once((socket as { encrypted?: boolean }).encrypted ? "secureConnect" : "connect", () => {
            this.connected = true;
            clearTimeout(connectTimer);
          });
        });
        request.once("response", (incoming) => {
          clearTimeout(timer);
          resolve(incoming);
        });
        request.once("error", (error: NodeJS.ErrnoException) => {
          if (!isReplay && replayable && !this.aborted && request.reusedSocket && isStaleConnection(error)) return start(true);
          clearTimeout(timer);
          const failure = classifyFailure(error, this.connected);
          reject(new AttemptError(failure, error.message, failure !== "connect-failure"));
        });
        if (body === null) request.end();
        else if (Buffer.isBuffer(body)) request.end(body);
        else body.pipe(request);
      };
      start(false);
    });
  }

  /** Gives up on the request (caller gone, deadline passed); a pending response rejects. */
  abort(): void {
    this.aborted = true;
    this.request.destroy();
  }
}

function connectTimeout(ms: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`no connection within ${ms} ms`);
  error.code = "ETIMEDOUT";
  return error;
}

function isStream(body: Buffer | Readable | null): body is Readable {
  return body !== null && !Buffer.isBuffer(body);
}

/** The server closed the kept-alive connection under us (RST, or EOF before any response byte). */
function isStaleConnection(error: NodeJS.ErrnoException): boolean {
  return error.code === "ECONNRESET" || error.code === "EPIPE";
}
