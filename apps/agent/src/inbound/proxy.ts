import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { authorize, normalizeRequestTarget, spiffeId } from "@mesh/shared";
import { appendForwarded, forwardableRawHeaders, hasBody, readRequestHead } from "../endpoint/hop-by-hop.ts";
import { Attempt, AttemptError } from "../endpoint/send-attempt.ts";
import { answerUnexpectedError, sendMeshError, type MeshErrorCause } from "../errors.ts";
import type { AgentState, RequestRecord } from "../state.ts";
import { childContext, formatTraceparent } from "../telemetry/trace-context.ts";
import { callerService } from "./peer-identity.ts";
import type { InboundRateLimiter } from "./rate-limiter.ts";

/**
 * The inbound request path: verified caller identity → access policy → rate limit → the local app
 * over pooled keep-alive connections.
 */
export class InboundProxy {
  // `timeout` closes idle pooled connections; with it set, Node also honours the app's "Keep-Alive: timeout=N"
  // and closes a second early, so a request is never written on a connection the app is closing (a 502).
  private readonly appAgent = new Agent({ keepAlive: true, scheduling: "lifo", noDelay: true, timeout: 30_000 });

  constructor(
    private readonly state: AgentState,
    private readonly appPort: number,
    private readonly rateLimiter: InboundRateLimiter,
  ) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((error: unknown) => answerUnexpectedError(res, error));
  };

  close(): void {
    this.appAgent.destroy();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const snapshot = this.state.snapshot;
    const socket = req.socket as TLSSocket;
    const mtls = socket.encrypted === true;
    const source = snapshot ? callerService(socket, snapshot.trustDomain) : null;
    const head = readRequestHead(req.rawHeaders);
    const trace = childContext(head.traceparent, snapshot?.meshConfig.tracing.sampling ?? 1);
    const method = req.method ?? "GET";
    const target = normalizeRequestTarget(req.url ?? "/");
    const path = target.ok ? target.path : (req.url ?? "/");
    const record: RequestRecord = {
      direction: "inbound",
      source: source ?? "unknown",
      destination: this.state.service,
      destinationVersion: this.state.version,
      method,
      path,
      status: 0,
      cause: null,
      detail: null,
      startTime: Date.now(),
      durationMs: 0,
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      sampled: trace.sampled,
      attempts: 1,
      peer: source,
      mtls,
    };
    const startedAt = performance.now();
    res.once("close", () => {
      record.status = res.headersSent ? res.statusCode : 499;
      record.durationMs = performance.now() - startedAt;
      this.state.record(record);
    });

    if (!target.ok) return this.fail(res, record, "invalid-path", target.reason);
    if (!snapshot) return this.fail(res, record, "denied", "the agent has no mesh config yet, so it cannot authorize the caller");
    const decision = authorize(snapshot.inbound.accessPolicies, snapshot.meshConfig.defaultAccess, { source, target: this.state.service, method, path });
    record.detail = decision.policy;
    if (!decision.allowed) return this.fail(res, record, "denied", decision.reason, decision.policy);
    if (!this.rateLimiter.tryAdmit(record.startTime)) {
      return this.fail(res, record, "rate-limited", `${this.state.service} accepts ${snapshot.inbound.rateLimit?.requestsPerSecond} requests per second`);
    }

    const headers = head.forward;
    // An HTTP/1.0 request may name no host; the app gets the service it was addressed as.
    const host = head.host ?? this.state.service;
    headers.push("Host", host);
    headers.push("traceparent", formatTraceparent(trace));
    if (source) headers.push("X-Forwarded-Client-Cert", `By=${spiffeId(snapshot.trustDomain, this.state.service)};URI=${spiffeId(snapshot.trustDomain, source)}`);
    appendForwarded(head, socket.remoteAddress, mtls ? "https" : "http", host, mtls ? "peer" : "outside");
    const body = hasBody(head) ? req : null;
    if (body && head.contentLength === undefined) headers.push("Transfer-Encoding", "chunked");

    const attempt = new Attempt(
      httpRequest,
      { host: "127.0.0.1", port: this.appPort, method, path, headers, agent: this.appAgent },
      body,
      0,
    );
    const abortOnCallerGone = (): void => void (res.writableFinished || attempt.abort());
    res.once("close", abortOnCallerGone);
    let upstream: IncomingMessage;
    try {
      upstream = await attempt.response;
    } catch (error) {
      const cause: MeshErrorCause = (error as AttemptError).failure === "connect-failure" ? "upstream-connect" : "upstream-reset";
      return this.fail(res, record, cause, `${this.state.service} app on port ${this.appPort}: ${(error as Error).message}`);
    }
    upstream.once("close", () => {
      if (!upstream.complete) res.destroy();
    });
    res.writeHead(upstream.statusCode ?? 502, forwardableRawHeaders(upstream.rawHeaders));
    upstream.pipe(res);
  }

  private fail(res: ServerResponse, record: RequestRecord, cause: MeshErrorCause, message: string, policy?: string | null): void {
    record.cause = cause;
    sendMeshError(res, cause, message, { policy });
  }
}
