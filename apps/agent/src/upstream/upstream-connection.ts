import type { Socket } from "node:net";
import { forwardableRawHeaders, keepAliveTimeoutMs } from "../endpoint/hop-by-hop.ts";
import { Http1Parser, HttpParseError, type MessageHead, type ParserEvents } from "../http1/parser.ts";
import { responseHead, writeChunk, writeLastChunk } from "../http1/serialize.ts";
import type { BodySink, Cancelable, RequestContext } from "../request-context.ts";
import type { AttemptFailure } from "../resilience/retry.ts";
import type { UpstreamPool } from "./upstream-pool.ts";

/** What the stage that sent a request hears back from the upstream. */
export interface UpstreamExchangeHandler {
  /** A final response head arrived; false discards it (the stage retries): the connection is closed, nothing relayed. */
  accept(ctx: RequestContext, status: number): boolean;
  /** The relayed response ended: whole (`complete`) or cut off by the upstream. */
  done(ctx: RequestContext, status: number, complete: boolean): void;
  /**
   * The exchange ended before any response. `neverReached`: no connection was made, so the upstream
   * cannot have seen the request: safe to send again whatever the method. `maybeStale`: a pooled
   * connection ended with no answer, most likely closed by the upstream just as it was reused.
   */
  upstreamFailed(ctx: RequestContext, failure: AttemptFailure, message: string, neverReached: boolean, maybeStale: boolean): void;
}

/** A new connection (TCP, and TLS for peers) must be up within this; Envoy's default too. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * One kept-alive connection to an upstream (the local app, or a peer agent over mTLS), carrying one
 * request at a time: writes the request head with the body bytes in hand, streams the rest with
 * backpressure, parses the response and relays it to the client. Its parser and listeners live as
 * long as the connection, not the request.
 */
export class UpstreamConnection implements ParserEvents, BodySink, Cancelable {
  private readonly parser: Http1Parser;
  private ctx: RequestContext | null = null;
  private handler: UpstreamExchangeHandler | null = null;
  private status = 0;
  private connected = false;
  /** Taken from the pool: it carried a request before. */
  reused = false;
  private receivedBytes = 0;
  private chunkedBody = false;
  private bodySent = false;
  private responseKeepAlive = false;
  /** From the upstream's Keep-Alive: timeout=N, so a pooled connection is dropped before the upstream drops it. */
  idleMs: number;
  private lastError = "";
  /** A 101 arrived: the headers of the answer that opens the tunnel. */
  private tunnelHeaders: string[] | null = null;
  private dead = false;

  constructor(
    readonly socket: Socket,
    private readonly pool: UpstreamPool,
    connectEvent: "connect" | "secureConnect",
  ) {
    this.idleMs = pool.idleMs;
    this.parser = new Http1Parser("response", this);
    socket.setNoDelay(true);
    // One timer serves the connect timeout and, later, the pool's idle timeout.
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    socket.on("timeout", this.onTimeout);
    socket.once(connectEvent, this.onConnect);
    socket.on("data", this.onData);
    socket.on("drain", this.onDrain);
    socket.on("end", this.onSocketEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** The connection (TCP, and TLS for peers) is up: a request sent on it may have reached the upstream. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Sends `head` (already serialised) and then the context's body; the response goes to the context's client. */
  send(ctx: RequestContext, head: string, handler: UpstreamExchangeHandler, body: Buffer | null = null): void {
    this.ctx = ctx;
    this.handler = handler;
    this.status = 0;
    this.receivedBytes = 0;
    this.bodySent = !ctx.hasBody;
    this.chunkedBody = ctx.head.chunked;
    this.parser.expectResponseTo(ctx.head.method);
    this.parser.resume();
    // The last answer may have ended while relaying was paused for a slow client.
    this.socket.resume();
    ctx.upstream = this;
    const socket = this.socket;
    socket.cork();
    socket.write(head, "latin1");
    if (body !== null) {
      socket.write(body);
      this.bodySent = true;
    } else if (ctx.hasBody) ctx.attachBody(this);
    socket.uncork();
  }

  writeBody(chunk: Buffer): boolean {
    return this.chunkedBody ? writeChunk(this.socket, chunk) : this.socket.write(chunk);
  }

  endBody(): void {
    if (this.chunkedBody) writeLastChunk(this.socket);
    this.bodySent = true;
  }

  /** The client or a deadline gave up: this connection is in an unknown state, so it is not reused. */
  cancel(): void {
    this.ctx = null;
    this.socket.destroy();
  }

  /** The client's socket drained: relaying continues. */
  resume(): void {
    this.socket.resume();
  }

  // ── response parser events ──

  onHead(response: MessageHead): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const headers = forwardableRawHeaders(response.headers);
    if (response.status < 200 && response.status !== 101) {
      // Interim answers (100 Continue, 103 Early Hints) go to the client as they come; HTTP/1.0 has none.
      if (ctx.head.minor === 1) ctx.client.write(responseHead(response.status, headers));
      return;
    }
    if (!this.handler!.accept(ctx, response.status)) {
      this.ctx = null;
      this.socket.destroy();
      return;
    }
    this.status = response.status;
    if (response.status === 101) {
      // Only an upgrade we forwarded can be accepted; the switch happens at the head's end (onEnd).
      if (!ctx.head.upgrade) {
        this.lastError = "the upstream switched protocols unasked";
        this.ctx = null;
        ctx.upstream = null;
        this.socket.destroy();
        return ctx.answer("upstream-reset", this.lastError);
      }
      this.tunnelHeaders = headers;
      headers.push("Connection", "Upgrade", "Upgrade", upgradeOf(response.headers));
      return;
    }
    this.responseKeepAlive = response.keepAlive;
    const keepAliveFor = keepAliveTimeoutMs(response.headers);
    if (keepAliveFor !== null) this.idleMs = Math.min(this.pool.idleMs, Math.max(0, keepAliveFor - 1000));
    const bodyless = ctx.head.method === "HEAD" || response.status === 204 || response.status === 304;
    ctx.startResponse(response.status, headers, response.contentLength, bodyless);
  }

  onBody(chunk: Buffer): void {
    // A discarded answer (the stage retries) or a cancelled exchange: the rest of its bytes go nowhere.
    const ctx = this.ctx;
    if (!ctx) return;
    if (!ctx.relayBody(chunk)) {
      this.socket.pause();
      ctx.client.drainWaiter = this;
    }
  }

  onEnd(): void {
    const ctx = this.ctx;
    if (ctx && this.tunnelHeaders) return this.becomeTunnel(ctx, this.tunnelHeaders);
    if (!ctx || !ctx.responding) return;
    this.ctx = null;
    ctx.upstream = null;
    if (this.responseKeepAlive && this.bodySent && !this.dead) this.pool.release(this);
    else this.socket.destroy();
    this.handler!.done(ctx, this.status, true);
    ctx.endResponse();
  }

  /** Leaves the pool and HTTP for good: from here on this socket is one end of the client's tunnel. */
  private becomeTunnel(ctx: RequestContext, headers: string[]): void {
    this.ctx = null;
    this.dead = true;
    const socket = this.socket;
    socket.off("data", this.onData);
    socket.off("end", this.onSocketEnd);
    socket.off("drain", this.onDrain);
    socket.off("close", this.onClose);
    ctx.startTunnel(headers, socket, this.parser.takeRemainder());
  }

  // ── socket events ──

  private readonly onConnect = (): void => {
    this.connected = true;
    this.socket.setTimeout(0);
  };

  private readonly onTimeout = (): void => {
    if (!this.connected) this.lastError = `no connection within ${CONNECT_TIMEOUT_MS} ms`;
    this.socket.destroy();
  };

  private readonly onData = (chunk: Buffer): void => {
    const ctx = this.ctx;
    if (!ctx) {
      // Bytes with no request outstanding: the connection cannot be trusted for another one.
      this.socket.destroy();
      return;
    }
    this.receivedBytes += chunk.length;
    const client = ctx.client.socket;
    client.cork();
    try {
      this.parser.execute(chunk);
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.lastError = `invalid response: ${error.message}`;
      this.socket.destroy();
    } finally {
      client.uncork();
    }
  };

  private readonly onDrain = (): void => {
    this.ctx?.client.resumeReading();
  };

  private readonly onSocketEnd = (): void => {
    try {
      this.parser.finish();
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.lastError = "the upstream closed the connection mid-response";
    }
    this.socket.end();
  };

  private readonly onError = (error: Error): void => {
    this.lastError = error.message;
  };

  private readonly onClose = (): void => {
    this.dead = true;
    this.pool.forget(this);
    const ctx = this.ctx;
    if (!ctx) return;
    this.ctx = null;
    ctx.upstream = null;
    if (ctx.responding) {
      this.handler!.done(ctx, this.status, false);
      return ctx.abort();
    }
    const failure: AttemptFailure = this.connected ? "reset" : "connect-failure";
    const message = this.lastError || "the upstream closed the connection before answering";
    this.handler!.upstreamFailed(ctx, failure, message, !this.connected, this.reused && this.receivedBytes === 0);
  };
}

function upgradeOf(headers: readonly string[]): string {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === "upgrade") return headers[i + 1]!;
  return "websocket";
}
