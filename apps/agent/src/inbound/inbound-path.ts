import { createConnection } from "node:net";
import type { TLSSocket } from "node:tls";
import { compileAccessPolicies, decideAccess, DEFAULT_MESH_CONFIG, normalizeRequestTarget, spiffeId, type AgentSnapshot, type CompiledAccessPolicies } from "@mesh/shared";
import { appendForwarded, keepWebSocketUpgrade, readRequestHead } from "../endpoint/hop-by-hop.ts";
import type { MessageHead } from "../http1/parser.ts";
import { requestHead } from "../http1/serialize.ts";
import type { ClientConnection } from "../listener/client-connection.ts";
import { newRecord, RequestContext, refusedConnect } from "../request-context.ts";
import type { AttemptFailure } from "../resilience/retry.ts";
import type { AgentState } from "../state.ts";
import { childContext, formatTraceparent } from "../telemetry/trace-context.ts";
import type { UpstreamExchangeHandler } from "../upstream/upstream-connection.ts";
import { UpstreamPool } from "../upstream/upstream-pool.ts";
import { callerService } from "./peer-identity.ts";
import type { InboundRateLimiter } from "./rate-limiter.ts";

/** Pooled connections to the app idle out before a typical app's keep-alive would cut one in use. */
const APP_IDLE_MS = 30_000;

/**
 * The inbound request path, in the order a request meets it: the caller's verified identity →
 * the normalised path → access policy → rate limit → the local app over kept-alive connections.
 */
export class InboundPath implements UpstreamExchangeHandler {
  private readonly app: UpstreamPool;

  constructor(
    private readonly state: AgentState,
    private readonly appPort: number,
    private readonly rateLimiter: InboundRateLimiter,
  ) {
    this.app = new UpstreamPool(() => ({ socket: createConnection({ host: "127.0.0.1", port: appPort }), connectEvent: "connect" }), APP_IDLE_MS);
  }

  close(): void {
    this.app.close();
  }

  /** Compiled once per snapshot: the request path only runs the decision. */
  private access: CompiledAccessPolicies | null = null;

  applySnapshot(snapshot: AgentSnapshot): void {
    this.access = compileAccessPolicies(snapshot.inbound.accessPolicies, this.state.service);
  }

  readonly handle = (connection: ClientConnection, head: MessageHead): RequestContext => {
    const snapshot = this.state.snapshot;
    const socket = connection.socket as TLSSocket;
    const mtls = socket.encrypted === true;
    const source = snapshot ? callerService(socket, snapshot.trustDomain) : null;
    const forward = readRequestHead(head.headers);
    const trace = childContext(forward.traceparent, snapshot?.meshConfig.tracing.sampling ?? DEFAULT_MESH_CONFIG.tracing.sampling);
    const target = normalizeRequestTarget(head.target);
    const record = newRecord(
      {
        direction: "inbound",
        source: source ?? "unknown",
        destination: this.state.service,
        destinationVersion: this.state.version,
        method: head.method,
        path: target.ok ? target.path : head.target,
        attempts: 1,
        peer: source,
        mtls,
      },
      trace,
    );
    const ctx = new RequestContext(connection, head, record);
    if (refusedConnect(ctx)) return ctx;
    if (!target.ok) {
      ctx.answer("invalid-path", target.reason);
      return ctx;
    }
    ctx.path = target.path;
    const access = this.access;
    if (!snapshot || !access) {
      ctx.answer("denied", "the agent has no mesh config yet, so it cannot authorize the caller");
      return ctx;
    }
    const decision = decideAccess(access, snapshot.meshConfig.defaultAccess, { source, target: this.state.service, method: head.method, path: ctx.path });
    record.detail = decision.policy;
    if (decision.audited.length > 0) record.audited = decision.audited;
    if (!decision.allowed) {
      ctx.answer("denied", decision.reason, { policy: decision.policy });
      return ctx;
    }
    if (!this.rateLimiter.tryAdmit(record.startTime)) {
      ctx.answer("rate-limited", `${this.state.service} accepts ${snapshot.inbound.rateLimit?.requestsPerSecond} requests per second`);
      return ctx;
    }

    const headers = forward.forward;
    // An HTTP/1.0 request may name no host; the app gets the service it was addressed as.
    const host = forward.host ?? target.authority ?? this.state.service;
    headers.push("Host", host, "traceparent", formatTraceparent(trace));
    if (source) headers.push("X-Forwarded-Client-Cert", `By=${spiffeId(snapshot.trustDomain, this.state.service)};URI=${spiffeId(snapshot.trustDomain, source)}`);
    appendForwarded(forward, socket.remoteAddress, mtls ? "https" : "http", host, mtls ? "peer" : "outside");
    keepWebSocketUpgrade(forward, head.upgrade);
    if (head.chunked) headers.push("Transfer-Encoding", "chunked");
    ctx.upstreamHead = requestHead(head.method, ctx.path, headers);
    this.app.acquire().send(ctx, ctx.upstreamHead, this);
    return ctx;
  };

  accept(): boolean {
    return true;
  }

  done(): void {}

  upstreamFailed(ctx: RequestContext, failure: AttemptFailure, message: string, _neverReached: boolean, maybeStale: boolean): void {
    // The app closed a kept-alive connection just as it was reused: a request it never read goes again, on a fresh one.
    if (maybeStale && !ctx.hasBody && ctx.record.attempts === 1) {
      ctx.record.attempts++;
      this.app.acquireFresh().send(ctx, ctx.upstreamHead, this);
      return;
    }
    ctx.answer(failure === "connect-failure" ? "upstream-connect" : "upstream-reset", `${this.state.service} app on port ${this.appPort}: ${message}`);
  }
}
