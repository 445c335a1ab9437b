import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentSnapshot, RetryPolicy } from "@mesh/shared";
import type { EjectionReason, EndpointState } from "../balancer/endpoint-state.ts";
import type { PeerConnections } from "../endpoint/peer-connections.ts";
import { appendForwarded, forwardableRawHeaders, hasBody, readRequestHead } from "../endpoint/hop-by-hop.ts";
import { Attempt, AttemptError, type RequestFunction } from "../endpoint/send-attempt.ts";
import { answerUnexpectedError, sendMeshError, type MeshErrorCause } from "../errors.ts";
import { faultAbortStatus, faultDelayApplies } from "../resilience/faults.ts";
import { recordOutcome } from "../resilience/outlier.ts";
import { backoffMs, isRetryableFailure, isRetryableStatus, retryConditionsFor } from "../resilience/retry.ts";
import { attemptTimeoutMs, deadlineFor } from "../resilience/timeout.ts";
import type { AgentState, RequestRecord } from "../state.ts";
import { childContext, formatTraceparent } from "../telemetry/trace-context.ts";
import type { BackendPool, Destination } from "./destination.ts";
import type { Destinations } from "./destinations.ts";
import { isReplayableSize, readBody } from "./request-body.ts";
import { routeRequest } from "./route.ts";
import { outboundTarget, serviceFromHost } from "./target.ts";

const sendHttps = httpsRequest as RequestFunction;
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const isStream = (body: Buffer | IncomingMessage | null): body is IncomingMessage => body !== null && !Buffer.isBuffer(body);

/**
 * The outbound request path: target → destination → route → version → balanced endpoint, with
 * faults, timeout, retries and outlier detection, over pooled mTLS connections to the peer agent.
 */
export class OutboundProxy {
  constructor(
    private readonly state: AgentState,
    private readonly destinations: Destinations,
    private readonly peers: PeerConnections,
  ) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((error: unknown) => answerUnexpectedError(res, error));
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const snapshot = this.state.snapshot;
    const head = readRequestHead(req.rawHeaders);
    const trace = childContext(head.traceparent, snapshot?.meshConfig.tracing.sampling ?? 1);
    const target = outboundTarget(req.url ?? "/", head.host);
    const named = target !== null && target.invalid === undefined ? target : null;
    const record: RequestRecord = {
      direction: "outbound",
      source: this.state.service,
      destination: named ? serviceFromHost(named.host) : "",
      destinationVersion: "",
      method: req.method ?? "GET",
      path: named ? named.path : (req.url ?? "/"),
      status: 0,
      cause: null,
      detail: null,
      startTime: Date.now(),
      durationMs: 0,
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      sampled: trace.sampled,
      attempts: 0,
      peer: null,
      mtls: true,
    };
    const destination = snapshot ? this.destinations.get(record.destination) : undefined;
    const startedAt = performance.now();
    let holdsPending = false;
    res.once("close", () => {
      if (holdsPending) destination!.pending--;
      this.finish(record, res, startedAt);
    });

    if (target?.invalid !== undefined) return this.fail(res, record, "invalid-path", target.invalid);
    if (!named || !snapshot || !destination) {
      const why = !named ? "the request names no host" : !snapshot ? "the agent has no mesh config yet" : `no service named "${record.destination}" in the mesh`;
      return this.fail(res, record, "unknown-service", why);
    }
    const settings = destination.settings;
    if (destination.pending >= settings.maxPendingRequests) {
      return this.fail(res, record, "overloaded", `${destination.name} has ${destination.pending} requests pending (maxPendingRequests ${settings.maxPendingRequests})`);
    }
    destination.pending++;
    holdsPending = true;

    // Node builds req.headers on first access: only pay for it when a route matches on headers.
    const routable = { method: record.method, path: record.path, headers: destination.routesMatchHeaders ? req.headers : NO_HEADERS };
    const decision = routeRequest(destination, routable, Math.random());
    if (!decision) return this.fail(res, record, "no-route", `no route of ${destination.name} matches ${record.method} ${record.path}`);
    record.destinationVersion = decision.version;
    record.detail = decision.routeLabel;
    if (!decision.pool) return this.fail(res, record, "no-healthy-endpoints", `${destination.name} has no instance of version ${decision.version}`);

    const faults = settings.faults;
    if (faults) {
      const abortStatus = faultAbortStatus(faults, Math.random());
      if (abortStatus) return this.fail(res, record, "fault-abort", `injected by the TrafficPolicy of ${destination.name}`, abortStatus);
      if (faultDelayApplies(faults, Math.random())) await sleep(settings.faultDelayMs);
    }

    const headers = head.forward;
    headers.push("Host", named.host, "traceparent", formatTraceparent(trace));
    appendForwarded(head, req.socket.remoteAddress, "http", named.host, "app");

    const retryOn = settings.retry ? retryConditionsFor(record.method, settings.retry) : [];
    const retry = retryOn.length > 0 ? settings.retry : null;
    let body: Buffer | IncomingMessage | null = null;
    let maxAttempts = retry ? retry.attempts : 1;
    if (hasBody(head)) {
      if (retry && isReplayableSize(head)) body = await readBody(req);
      else {
        body = req;
        maxAttempts = 1;
        // The length is unknown: keep the body chunked on the next hop too.
        if (head.contentLength === undefined) headers.push("Transfer-Encoding", "chunked");
      }
    }
    destination.budget.recordRequest(record.startTime);
    await this.forward(headers, res, record, destination, decision.pool, body, maxAttempts, retryOn, snapshot);
  }

  private async forward(
    headers: string[],
    res: ServerResponse,
    record: RequestRecord,
    destination: Destination,
    pool: BackendPool,
    body: Buffer | IncomingMessage | null,
    maxAttempts: number,
    retryOn: RetryPolicy["retryOn"],
    snapshot: AgentSnapshot,
  ): Promise<void> {
    const settings = destination.settings;
    const deadline = deadlineFor(settings.timeoutMs, record.startTime);
    // Sends that never reached an upstream are re-sent elsewhere for free: at most once per other endpoint.
    let rerouted = 0;
    let previous: EndpointState | undefined;
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const available = pool.set.availableAt(now);
      let endpoint = pool.balancer.pick(available);
      // A retry goes to another endpoint when there is one (Envoy's previous_hosts retry predicate).
      if (endpoint === previous && endpoint !== undefined && available.length > 1) endpoint = available[(available.indexOf(endpoint) + 1) % available.length];
      if (!endpoint) {
        return pool.set.all.length > 0
          ? this.fail(res, record, "circuit-open", `every instance of ${destination.name}${record.destinationVersion ? ` ${record.destinationVersion}` : ""} is ejected after consecutive errors`)
          : this.fail(res, record, "no-healthy-endpoints", `${destination.name} has no live instance`);
      }
      const agent = this.peers.agentFor(endpoint, snapshot.trustDomain, destination.name);
      if (!agent) return this.fail(res, record, "upstream-connect", "the agent has no certificate yet");
      record.attempts++;
      record.peer = endpoint.authority;
      if (record.destinationVersion === "" || pool === destination.everyVersion) record.destinationVersion = endpoint.endpoint.version;
      if (res.destroyed) return;

      endpoint.inFlight++;
      const call = new Attempt(
        sendHttps,
        { host: endpoint.endpoint.address, port: endpoint.endpoint.port, method: record.method, path: record.path, headers, agent },
        body,
        attemptTimeoutMs(deadline, settings.perTryTimeoutMs, now),
      );
      const abortOnClientGone = (): void => void (res.writableFinished || call.abort());
      res.once("close", abortOnClientGone);
      let upstream: IncomingMessage;
      try {
        upstream = await call.response;
        // Picked in panic mode, and it answered: reachable again without waiting for its probe.
        if (endpoint.unreachable !== null) endpoint.markReachable();
      } catch (error) {
        res.removeListener("close", abortOnClientGone);
        endpoint.inFlight--;
        const failure = (error as AttemptError).failure ?? "reset";
        const reachedPeer = (error as AttemptError).connected ?? true;
        if (!reachedPeer || failure === "reset") this.markUnreachable(destination, endpoint, reachedPeer ? "reset" : "connect-failure");
        else this.recordOutcome(destination, pool, endpoint, true, Date.now());
        const expired = deadline !== 0 && Date.now() >= deadline;
        previous = endpoint;
        // Nothing was sent, so any method may go again, outside the retry budget and the policy's attempts; a streamed body is spent.
        if (!reachedPeer && !expired && !isStream(body) && rerouted < pool.set.all.length - 1 && !res.destroyed) {
          rerouted++;
          attempt--;
          continue;
        }
        if (!expired && attempt < maxAttempts && isRetryableFailure(failure, retryOn) && (await this.backoff(destination, attempt, deadline))) continue;
        if (failure === "per-try-timeout") return this.fail(res, record, "timeout", `${destination.name} did not answer within ${expired ? settings.timeoutMs : settings.perTryTimeoutMs} ms`);
        const cause: MeshErrorCause = failure === "connect-failure" ? "upstream-connect" : "upstream-reset";
        return this.fail(res, record, cause, `${destination.name} at ${endpoint.authority}: ${(error as Error).message}`);
      }
      const status = upstream.statusCode ?? 502;
      if (attempt < maxAttempts && isRetryableStatus(status, retryOn) && (deadline === 0 || Date.now() < deadline)) {
        previous = endpoint;
        if (await this.discardAndBackoff(upstream, res, abortOnClientGone, endpoint, pool, destination, attempt, deadline)) continue;
      }
      this.relay(upstream, res, endpoint, pool, destination, deadline, abortOnClientGone);
      return;
    }
  }

  private async discardAndBackoff(
    upstream: IncomingMessage,
    res: ServerResponse,
    abortOnClientGone: () => void,
    endpoint: EndpointState,
    pool: BackendPool,
    destination: Destination,
    attempt: number,
    deadline: number,
  ): Promise<boolean> {
    if (!destination.budget.tryRetry(Date.now())) return false;
    upstream.resume();
    res.removeListener("close", abortOnClientGone);
    endpoint.inFlight--;
    this.recordOutcome(destination, pool, endpoint, true, Date.now());
    return this.sleepBackoff(destination, attempt, deadline);
  }

  /** Takes a retry from the budget and waits the backoff; false when the budget or the deadline says stop. */
  private async backoff(destination: Destination, attempt: number, deadline: number): Promise<boolean> {
    if (!destination.budget.tryRetry(Date.now())) return false;
    return this.sleepBackoff(destination, attempt, deadline);
  }

  private async sleepBackoff(destination: Destination, attempt: number, deadline: number): Promise<boolean> {
    let wait = backoffMs(attempt, destination.settings.backoffBaseMs, destination.settings.backoffMaxMs);
    if (deadline !== 0) wait = Math.min(wait, deadline - Date.now() - 1);
    if (wait < 0) return false;
    if (wait >= 1) await sleep(wait);
    return true;
  }

  /** Streams the chosen upstream response to the app; stats and outlier outcome when it ends. */
  private relay(
    upstream: IncomingMessage,
    res: ServerResponse,
    endpoint: EndpointState,
    pool: BackendPool,
    destination: Destination,
    deadline: number,
    abortOnClientGone: () => void,
  ): void {
    const status = upstream.statusCode ?? 502;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== 0) timer = setTimeout(() => upstream.destroy(), Math.max(1, deadline - started));
    // "close" follows "end" (or an error): one listener settles both the stats and a cut-off answer.
    upstream.once("close", () => {
      clearTimeout(timer);
      res.removeListener("close", abortOnClientGone);
      const now = Date.now();
      endpoint.inFlight--;
      endpoint.recordLatency(now - started, now);
      // Cut off by the peer (not by our deadline or the app leaving): the connection is what failed.
      if (!upstream.complete && upstream.errored && !res.destroyed) this.markUnreachable(destination, endpoint, "reset");
      else this.recordOutcome(destination, pool, endpoint, status >= 500 || !upstream.complete, now);
      if (!upstream.complete) res.destroy();
    });
    res.writeHead(status, forwardableRawHeaders(upstream.rawHeaders));
    upstream.pipe(res);
  }

  /** Outlier detection's verdict on one answer; an ejection is counted and logged. */
  private recordOutcome(destination: Destination, pool: BackendPool, endpoint: EndpointState, failed: boolean, now: number): void {
    if (recordOutcome(destination.settings.outlier, pool.set, endpoint, failed, now)) this.reportEjection(destination, endpoint, "consecutive-errors");
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

  private fail(res: ServerResponse, record: RequestRecord, cause: MeshErrorCause, message: string, status?: number): void {
    record.cause = cause;
    sendMeshError(res, cause, message, { status });
  }

  private finish(record: RequestRecord, res: ServerResponse, startedAt: number): void {
    // 499 (nginx's "client closed request"): the app went away before any answer.
    record.status = res.headersSent ? res.statusCode : 499;
    record.durationMs = performance.now() - startedAt;
    this.state.record(record);
  }
}
