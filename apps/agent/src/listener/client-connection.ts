import type { Socket } from "node:net";
import { Http1Parser, HttpParseError, type MessageHead, type ParserEvents } from "../http1/parser.ts";
import { responseHead } from "../http1/serialize.ts";
import type { RequestContext } from "../request-context.ts";
import type { RequestRecord } from "../state.ts";
import type { ListenerTimeouts } from "./listener-timeouts.ts";

/** What a listener gives each of its connections: the request path to run and where records go. */
export interface ListenerHooks {
  /** Runs the stages for a request whose head has arrived; they answer or forward through the context they make. */
  handle(connection: ClientConnection, head: MessageHead): RequestContext;
  record(record: RequestRecord): void;
  timeouts: ListenerTimeouts;
  connections: Set<ClientConnection>;
}

export const enum Phase {
  /** Between requests (keep-alive), or before the first byte. */
  Idle,
  /** Part of a head has arrived. */
  Head,
  /** The head is in; the body is still arriving. */
  Body,
  /** The request is in; its answer is on its way. */
  Waiting,
  /** Upgraded (WebSocket): bytes flow raw both ways until either side closes; no timeout of HTTP's applies. */
  Tunnel,
}

/**
 * One client connection (the app's, on the outbound side; a peer agent's, inbound): parses
 * requests one at a time (a pipelined next request waits in the parser), hands each to the stages,
 * and is reused while both sides keep it alive. The listener's sweeper reads `phase` and
 * `phaseSince` to enforce the head, body and idle timeouts without a timer per request.
 */
export class ClientConnection implements ParserEvents {
  readonly parser: Http1Parser;
  current: RequestContext | null = null;
  phase = Phase.Idle;
  phaseSince = performance.now();
  /** Requests begun on this connection: one that never sent any is held to the head timeout, not the idle one. */
  requests = 0;
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly listener: ListenerHooks,
  ) {
    this.parser = new Http1Parser("request", this, { maxHeadBytes: listener.timeouts.maxHeadBytes });
    listener.connections.add(this);
    socket.on("data", this.onData);
    socket.on("drain", this.onDrain);
    socket.on("end", this.onSocketEnd);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
  }

  get idle(): boolean {
    return this.phase === Phase.Idle;
  }

  write(data: string): void {
    this.socket.write(data, "latin1");
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Set by the upstream relaying the current response: resumed when the client's socket drains. */
  drainWaiter: { resume(): void } | null = null;

  // ── parser events ──

  onHead(head: MessageHead): void {
    this.requests++;
    this.setPhase(head.contentLength > 0 || head.chunked ? Phase.Body : Phase.Waiting);
    // The context makes itself current as it is built: the stages may answer before handle returns.
    this.listener.handle(this, head);
  }

  onBody(chunk: Buffer): void {
    this.current?.receiveBody(chunk);
  }

  onEnd(): void {
    if (this.phase === Phase.Body) this.setPhase(Phase.Waiting);
    this.current?.receiveEnd();
  }

  /** The stages are done with `ctx`: the connection goes on with the next request, or ends. */
  requestDone(ctx: RequestContext): void {
    if (this.current !== ctx) return;
    this.current = null;
    this.drainWaiter = null;
    if (!ctx.keepAlive || this.closed) {
      this.closed = true;
      this.socket.end();
      return;
    }
    this.setPhase(Phase.Idle);
    // A pipelined request may already wait in the parser; never parse it inside the previous one's stack.
    if (this.parser.idle) this.parser.resume();
    else setImmediate(this.resumeParsing);
  }

  /**
   * Hands the socket over to a tunnel: no more HTTP parsing, no head or idle timeouts. Returns the
   * bytes the client sent after the upgrade request, which belong to the tunnel.
   */
  enterTunnel(): Buffer {
    this.setPhase(Phase.Tunnel);
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onSocketEnd);
    return this.parser.takeRemainder();
  }

  /** Ends the connection with a protocol error answer (400, 408, 431, …), if nothing was answered on it yet. */
  refuse(status: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.current?.responding) {
      this.socket.destroy();
      return;
    }
    const body = `${reason}\n`;
    this.socket.end(responseHead(status, ["content-type", "text/plain; charset=utf-8", "content-length", String(body.length), "connection", "close"]) + body, "latin1");
    this.current?.clientGone();
    // A client that keeps sending after the answer does not get to keep the connection.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    this.phaseSince = performance.now();
  }

  private readonly resumeParsing = (): void => {
    if (this.closed) return;
    this.feed(null);
    if (this.phase === Phase.Idle && this.parser.inMessage) this.setPhase(Phase.Head);
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    if (this.phase === Phase.Idle) this.setPhase(Phase.Head);
    this.feed(chunk);
  };

  private feed(chunk: Buffer | null): void {
    try {
      if (chunk) this.parser.execute(chunk);
      else this.parser.resume();
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.refuse(error.status, error.message);
    }
  }

  private readonly onDrain = (): void => {
    this.drainWaiter?.resume();
  };

  private readonly onSocketEnd = (): void => {
    // The client closed its side: a request in flight is given up at once (as Node's and Envoy's
    // HTTP/1 servers do), so an abandoned request releases the peer and the app instead of pinning them.
    this.closed = true;
    this.current?.clientGone();
    this.socket.end();
  };

  private readonly onClose = (): void => {
    this.closed = true;
    this.listener.connections.delete(this);
    this.current?.clientGone();
    this.current = null;
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };
}
