import { DEFAULT_MESH_CONFIG, type AgentSnapshot, type RetryPolicy } from "@mesh/shared";
import type { EjectionReason, EndpointState } from "../balancer/endpoint-state.ts";
import { appendForwarded, keepWebSocketUpgrade, readRequestHead, withoutNames } from "../endpoint/hop-by-hop.ts";
import type { PeerConnections } from "../endpoint/peer-connections.ts";
import type { MeshErrorCause } from "../errors.ts";
import type { MessageHead } from "../http1/parser.ts";
import { requestHead } from "../http1/serialize.ts";
import type { ClientConnection } from "../listener/client-connection.ts";
import { newRecord, RequestContext, refusedConnect } from "../request-context.ts";
import { faultAbortStatus, faultDelayApplies } from "../resilience/faults.ts";
import { recordOutcome } from "../resilience/outlier.ts";
import { backoffMs, isRetryableFailure, isRetryableStatus, retryConditionsFor, type AttemptFailure } from "../resilience/retry.ts";
import { attemptTimeoutMs, deadlineFor } from "../resilience/timeout.ts";
import type { AgentState } from "../state.ts";
import { childContext, formatTraceparent } from "../telemetry/trace-context.ts";
import type { UpstreamExchangeHandler } from "../upstream/upstream-connection.ts";
import type { BackendPool, Destination } from "./destination.ts";
import type { Destinations } from "./destinations.ts";
import { headerRecord, NO_HEADERS } from "./header-record.ts";
import { routeRequest } from "./route.ts";
import { outboundTarget, serviceFromHost } from "./target.ts";

/** Bodies up to this size are held in memory so a retry can send them again; larger ones stream, with one attempt. */
const REPLAYABLE_BODY_LIMIT = 64 * 1024;

/** The outbound side's per-request state beyond the shared context: where it is going and how it is doing. */
class OutboundContext extends RequestContext {
  destination!: Destination;
  pool!: BackendPool;
  retryOn: RetryPolicy["retryOn"] = [];
  maxAttempts = 1;
  deadline = 0;
  /** The whole body, held for retries to send again; null when streamed (or none). */
  replayBody: Buffer | null = null;
  /** The endpoint of the attempt under way, counted in its inFlight until the attempt settles. */
  endpoint: EndpointState | null = null;
  previous: EndpointState | undefined = undefined;
  /** Sends that never reached an upstream and went elsewhere for free: at most once per other endpoint. */
  rerouted = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  responseStartedAt = 0;
  holdsPending = false;
  staleRetried = false;

  /** Attempts that count against the policy's `attempts`: every send but the free reroutes. */
  get policyAttempts(): number {
    return this.record.attempts - this.rerouted;
  }

  protected override settle(): void {
    clearTimeout(this.timer);
    if (this.endpoint) {
      this.endpoint.inFlight--;
      this.endpoint = null;
    }
    if (this.holdsPending) {
      this.holdsPending = false;
      this.destination.pending--;
    }
  }
}

/**
 * The outbound request path, in the order a request meets it: target (absolute URI or Host) and
 * normalised path → destination → route and version → faults → timeout and retries → balanced
 * endpoint (health from its connections, outlier ejection) → a kept-alive mTLS connection to the
 * chosen instance's agent, whose answer is relayed to the app.
 */
export class OutboundPath implements UpstreamExchangeHandler {
  constructor(
    private readonly state: AgentState,
    private readonly destinations: Destinations,
    private readonly peers: PeerConnections,
  ) {}

  readonly handle = (connection: ClientConnection, head: MessageHead): RequestContext => {
    const snapshot = this.state.snapshot;
    const forward = readRequestHead(head.headers);
    const trace = childContext(forward.traceparent, snapshot?.meshConfig.tracing.sampling ?? DEFAULT_MESH_CONFIG.tracing.sampling);
    const target = outboundTarget(head.target, forward.host);
    const named = target !== null && target.invalid === undefined ? target : null;
    const record = newRecord(
      {
        direction: "outbound",
        source: this.state.service,
        destination: named ? serviceFromHost(named.host) : "",
        destinationVersion: "",
        method: head.method,
        path: named ? named.path : head.target,
        attempts: 0,
        peer: null,
        mtls: true,
      },
      trace,
    );
    const ctx = new OutboundContext(connection, head, record);
    if (refusedConnect(ctx)) return ctx;
    if (target?.invalid !== undefined) return fail(ctx, "invalid-path", target.invalid);
    const destination = named && snapshot ? this.destinations.get(record.destination) : undefined;
    if (!named || !snapshot || !destination) {
      const why = !named ? "the request names no host" : !snapshot ? "the agent has no mesh config yet" : `no service named "${record.destination}" in the mesh`;
      return fail(ctx, "unknown-service", why);
    }
    ctx.path = named.path;
    ctx.destination = destination;
    const settings = destination.settings;
    if (destination.pending >= settings.maxPendingRequests) {
      return fail(ctx, "overloaded", `${destination.name} has ${destination.pending} requests pending (maxPendingRequests ${settings.maxPendingRequests})`);
    }
    destination.pending++;
    ctx.holdsPending = true;

    const decision = routeRequest(destination, { method: head.method, path: ctx.path, headers: destination.routesMatchHeaders ? headerRecord(head.headers) : NO_HEADERS }, Math.random());
    if (!decision) return fail(ctx, "no-route", `no route of ${destination.name} matches ${head.method} ${ctx.path}`);
    record.destinationVersion = decision.version;
    record.detail = decision.routeLabel;
    if (!decision.pool) return fail(ctx, "no-healthy-endpoints", `${destination.name} has no instance of version ${decision.version}`);
    ctx.pool = decision.pool;

    const faults = settings.faults;
    if (faults) {
      const abortStatus = faultAbortStatus(faults, Math.random());
      if (abortStatus) return fail(ctx, "fault-abort", `injected by the TrafficPolicy of ${destination.name}`, abortStatus);
    }

    const headers = forward.forward;
    headers.push("Host", named.host, "traceparent", formatTraceparent(trace));
    appendForwarded(forward, connection.socket.remoteAddress, "http", named.host, "app");
    keepWebSocketUpgrade(forward, head.upgrade);
    const retryOn = settings.retry ? retryConditionsFor(head.method, settings.retry) : [];
    ctx.retryOn = retryOn;
    ctx.maxAttempts = retryOn.length > 0 ? settings.retry!.attempts : 1;
    const replayable = ctx.maxAttempts > 1 && !head.chunked && head.contentLength <= REPLAYABLE_BODY_LIMIT;
    if (ctx.hasBody && !replayable) {
      ctx.maxAttempts = 1;
      if (head.chunked) headers.push("Transfer-Encoding", "chunked");
    }
    // A body held whole goes out with the head: the upstream has nothing to wait for.
    const heldWhole = ctx.hasBody && replayable;
    ctx.upstreamHead = requestHead(head.method, ctx.path, heldWhole && forward.expectsContinue ? withoutNames(headers, ["expect"]) : headers);
    destination.budget.recordRequest(record.startTime);
    ctx.deadline = deadlineFor(settings.timeoutMs, record.startTime);

    const delayed = faults !== undefined && faultDelayApplies(faults, Math.random());
    if (heldWhole) {
      // The body is read here before any upstream sees the request: a client waiting for 100 Continue gets it from us.
      if (forward.expectsContinue && head.minor === 1) connection.write("HTTP/1.1 100 Continue\r\n\r\n");
      ctx.collectBody((body) => {
        ctx.replayBody = body;
        this.startAfterFault(ctx, delayed);
      });
    } else this.startAfterFault(ctx, delayed);
    return ctx;
  };

  private startAfterFault(ctx: OutboundContext, delayed: boolean): void {
    if (delayed) ctx.timer = setTimeout(this.attemptLater, ctx.destination.settings.faultDelayMs, ctx);
    else this.attempt(ctx);
  }

  private readonly attemptLater = (ctx: OutboundContext): void => {
    if (!ctx.finished) this.attempt(ctx);
  };

  /** One attempt: pick an endpoint (another than last time when there is one), then send over its pool. */
  private attempt(ctx: OutboundContext): void {
    const { destination, pool, record } = ctx;
    const now = Date.now();
    const available = pool.set.availableAt(now);
    let endpoint = pool.balancer.pick(available);
    // A retry goes to another endpoint when there is one (Envoy's previous_hosts retry predicate).
    if (endpoint === ctx.previous && endpoint !== undefined && available.length > 1) endpoint = available[(available.indexOf(endpoint) + 1) % available.length];
    if (!endpoint) {
      return void (pool.set.all.length > 0
        ? fail(ctx, "circuit-open", `every instance of ${destination.name}${record.destinationVersion ? ` ${record.destinationVersion}` : ""} is ejected after consecutive errors`)
        : fail(ctx, "no-healthy-endpoints", `${destination.name} has no live instance`));
    }
    const snapshot = this.state.snapshot as AgentSnapshot;
    const connections = this.peers.poolFor(endpoint, snapshot.trustDomain, destination.name);
    if (!connections) return void fail(ctx, "upstream-connect", "the agent has no certificate yet");
    record.attempts++;
    record.peer = endpoint.authority;
    if (record.destinationVersion === "" || pool === destination.everyVersion) record.destinationVersion = endpoint.endpoint.version;
    endpoint.inFlight++;
    ctx.endpoint = endpoint;
    const perTry = attemptTimeoutMs(ctx.deadline, destination.settings.perTryTimeoutMs, now);
    clearTimeout(ctx.timer);
    ctx.timer = perTry > 0 ? setTimeout(this.attemptTimedOut, perTry, ctx) : undefined;
    connections.acquire().send(ctx, ctx.upstreamHead, this, ctx.replayBody);
  }

  private readonly attemptTimedOut = (ctx: OutboundContext): void => {
    if (ctx.finished || ctx.responding) return;
    const upstream = ctx.upstream;
    ctx.upstream = null;
    upstream?.cancel();
    // Timed out before the connection was up: the endpoint is unreachable, not slow.
    const connected = upstream?.isConnected ?? false;
    this.failedAttempt(ctx, connected ? "per-try-timeout" : "connect-failure", connected ? "no response in time" : "no connection in time", connected);
  };

  accept(ctx: RequestContext, status: number): boolean {
    const out = ctx as OutboundContext;
    clearTimeout(out.timer);
    out.timer = undefined;
    const endpoint = out.endpoint!;
    // Picked in panic mode, and it answered: reachable again without waiting for its probe.
    if (endpoint.unreachable !== null) endpoint.markReachable();
    const now = Date.now();
    const tries = out.policyAttempts;
    if (tries < out.maxAttempts && isRetryableStatus(status, out.retryOn) && (out.deadline === 0 || now < out.deadline) && out.destination.budget.tryRetry(now)) {
      this.releaseEndpoint(out, true, now);
      out.previous = endpoint;
      this.backoff(out, tries);
      return false;
    }
    out.responseStartedAt = now;
    // An upgraded connection lives as long as its two ends want; the request timeout was for its answer.
    if (out.deadline !== 0 && status !== 101) out.timer = setTimeout(this.responseTimedOut, Math.max(1, out.deadline - now), out);
    return true;
  }

  /** The deadline passed while the answer was streaming: the app sees it cut, as with any proxy. */
  private readonly responseTimedOut = (ctx: OutboundContext): void => {
    ctx.record.cause = "timeout";
    ctx.abort();
  };

  done(ctx: RequestContext, status: number, complete: boolean): void {
    const out = ctx as OutboundContext;
    clearTimeout(out.timer);
    out.timer = undefined;
    const endpoint = out.endpoint;
    if (!endpoint) return;
    const now = Date.now();
    endpoint.recordLatency(now - out.responseStartedAt, now);
    // Cut off by the peer (not by our deadline or the app leaving): the connection is what failed.
    if (!complete && out.record.cause === null) {
      this.releaseEndpoint(out, null, now);
      this.markUnreachable(out.destination, endpoint, "reset");
    } else this.releaseEndpoint(out, status >= 500 || !complete, now);
  }

  upstreamFailed(ctx: RequestContext, failure: AttemptFailure, message: string, neverReached: boolean, maybeStale: boolean): void {
    const out = ctx as OutboundContext;
    clearTimeout(out.timer);
    out.timer = undefined;
    // A kept-alive connection the peer had just closed: a fresh one to the same endpoint is not a retry.
    if (maybeStale && out.replayBody === null && !out.hasBody && !out.staleRetried) {
      out.staleRetried = true;
      out.timer = setTimeout(this.attemptTimedOut, Math.max(1, attemptTimeoutMs(out.deadline, out.destination.settings.perTryTimeoutMs, Date.now())), out);
      const snapshot = this.state.snapshot as AgentSnapshot;
      this.peers.poolFor(out.endpoint!, snapshot.trustDomain, out.destination.name)?.acquireFresh().send(out, out.upstreamHead, this, null);
      return;
    }
    this.failedAttempt(out, failure, message, !neverReached);
  }

  private failedAttempt(ctx: OutboundContext, failure: AttemptFailure, message: string, reachedPeer: boolean): void {
    const endpoint = ctx.endpoint!;
    const now = Date.now();
    if (!reachedPeer || failure === "reset") {
      this.releaseEndpoint(ctx, null, now);
      this.markUnreachable(ctx.destination, endpoint, reachedPeer ? "reset" : "connect-failure");
    } else this.releaseEndpoint(ctx, true, now);
    const expired = ctx.deadline !== 0 && now >= ctx.deadline;
    ctx.previous = endpoint;
    if (ctx.finished) return;
    // Nothing was sent, so any method may go again, outside the retry budget and the policy's attempts; a streamed body is spent.
    if (!reachedPeer && !expired && (!ctx.hasBody || ctx.replayBody !== null) && ctx.rerouted < ctx.pool.set.all.length - 1) {
      ctx.rerouted++;
      return this.attempt(ctx);
    }
    if (!expired && ctx.policyAttempts < ctx.maxAttempts && isRetryableFailure(failure, ctx.retryOn) && ctx.destination.budget.tryRetry(now)) {
      return this.backoff(ctx, ctx.policyAttempts);
    }
    const settings = ctx.destination.settings;
    if (failure === "per-try-timeout") return void fail(ctx, "timeout", `${ctx.destination.name} did not answer within ${expired ? settings.timeoutMs : settings.perTryTimeoutMs} ms`);
    const cause: MeshErrorCause = failure === "connect-failure" ? "upstream-connect" : "upstream-reset";
    fail(ctx, cause, `${ctx.destination.name} at ${endpoint.authority}: ${message}`);
  }

  private backoff(ctx: OutboundContext, attempt: number): void {
    const settings = ctx.destination.settings;
    let wait = backoffMs(attempt, settings.backoffBaseMs, settings.backoffMaxMs);
    if (ctx.deadline !== 0) wait = Math.min(wait, ctx.deadline - Date.now() - 1);
    if (wait < 0) return void fail(ctx, "timeout", `${ctx.destination.name} did not answer within ${settings.timeoutMs} ms`);
    ctx.timer = setTimeout(this.attemptLater, wait, ctx);
  }

  /** The attempt on `ctx.endpoint` is over: out of its inFlight, and (unless null) its outcome to outlier detection. */
  private releaseEndpoint(ctx: OutboundContext, failed: boolean | null, now: number): void {
    const endpoint = ctx.endpoint;
    if (!endpoint) return;
    ctx.endpoint = null;
    endpoint.inFlight--;
    if (failed !== null && recordOutcome(ctx.destination.settings.outlier, ctx.pool.set, endpoint, failed, now)) this.reportEjection(ctx.destination, endpoint, "consecutive-errors");
  }

  /** A connection to `endpoint` failed or was reset: out of every pick list until a background reconnect succeeds. */
  private markUnreachable(destination: Destination, endpoint: EndpointState, reason: "connect-failure" | "reset"): void {
    if (!endpoint.markUnreachable(reason)) return;
    const snapshot = this.state.snapshot;
    if (snapshot) this.peers.probe(endpoint, snapshot.trustDomain, destination.name);
    this.reportEjection(destination, endpoint, reason);
  }

  private reportEjection(destination: Destination, endpoint: EndpointState, reason: EjectionReason): void {
    this.state.endpointEjected({ destination: destination.name, version: endpoint.endpoint.version, endpoint: endpoint.authority, reason });
  }
}

function fail(ctx: RequestContext, cause: MeshErrorCause, message: string, status?: number): RequestContext {
  ctx.answer(cause, message, { status });
  return ctx;
}
