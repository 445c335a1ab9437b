import type { Logger } from "pino";
import type { AgentSnapshot, RegisterInput, SnapshotRejection } from "@mesh/shared";
import type { AgentState } from "../state.ts";
import type { Identity } from "../identity/identity.ts";
import type { AgentSession, AgentStore } from "./agent-store.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import { followConfig } from "./config-stream.ts";
import { snapshotProblem } from "./snapshot-check.ts";
import { createControlPlaneClient, isSessionRejected, type ControlPlaneClient } from "./control-plane-client.ts";

export interface DiscoveryOptions {
  controlPlaneUrl: string;
  joinToken: string | null;
  registration: RegisterInput;
  state: AgentState;
  store: AgentStore;
  identity: Identity;
  log: Logger;
}

/** What /config reports about the link to the control plane. */
export interface ControlPlaneLink {
  url: string;
  connected: boolean;
  instanceId: string | null;
  lastContact: string | null;
  lastError: string | null;
  /** The newest snapshot this agent refused, and why; null when it runs the newest it received. */
  rejected: SnapshotRejection | null;
}

/**
 * The agent's side of the control plane: register (join token), certificate, config stream,
 * heartbeats with the applied revision. When the control plane is away the agent keeps serving what
 * it has, reports itself degraded, and reconnects with backoff; when it has forgotten the agent
 * (401/404), the agent registers again.
 */
export class Discovery {
  readonly client: ControlPlaneClient;
  private session: AgentSession | null = null;
  private readonly abort = new AbortController();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private connected = false;
  private lastContact: Date | null = null;
  private lastError: string | null = null;
  private failures = 0;
  /** The newest snapshot this agent refused (it runs the previous one), reported with every heartbeat until one applies. */
  private rejection: SnapshotRejection | null = null;
  /** Aborted to drop the current config stream, e.g. when a heartbeat learns the session is gone. */
  private attempt = new AbortController();

  constructor(private readonly options: DiscoveryOptions) {
    this.client = createControlPlaneClient(options.controlPlaneUrl, (path) =>
      path === "agent.register" ? options.joinToken : (this.session?.credential ?? null),
    );
  }

  /** Restores the last snapshot and session from disk; the agent can serve from them at once. */
  async loadCached(): Promise<void> {
    const { store, state, log, registration, controlPlaneUrl } = this.options;
    const snapshot = await store.loadSnapshot();
    if (snapshot && snapshot.service === state.service) {
      state.setSnapshot(snapshot);
      // Serving config the control plane has not confirmed yet.
      state.setHealth("degraded");
      log.info({ revision: snapshot.revision }, "loaded cached config snapshot");
    }
    const session = await store.loadSession();
    if (session && session.controlPlaneUrl === controlPlaneUrl && JSON.stringify(session.registration) === JSON.stringify(registration)) {
      this.session = session;
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** The credential of the current registration (for telemetry export), or null before registering. */
  credential(): string | null {
    return this.session?.credential ?? null;
  }

  link(): ControlPlaneLink {
    return {
      url: this.options.controlPlaneUrl,
      connected: this.connected,
      instanceId: this.session?.instanceId ?? null,
      lastContact: this.lastContact?.toISOString() ?? null,
      lastError: this.lastError,
      rejected: this.rejection,
    };
  }

  /** Stops following config and tells the control plane this instance is gone (best effort, bounded). */
  async stop(timeoutMs = 2000): Promise<void> {
    this.abort.abort();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    // A registration or certificate call in flight is not abortable; do not let it hold up shutdown.
    await Promise.race([this.loop, sleep(timeoutMs)]);
    const session = this.session;
    if (!session) return;
    try {
      await Promise.race([
        this.client.agent.deregister.mutate(),
        sleep(timeoutMs).then(() => Promise.reject(new Error(`no answer within ${timeoutMs} ms`))),
      ]);
      await this.options.store.clearSession();
      this.options.log.info({ instanceId: session.instanceId }, "deregistered");
    } catch (error) {
      this.options.log.warn({ err: error }, "deregister failed; the control plane will expire this instance");
    }
  }

  private async run(): Promise<void> {
    const { log, state } = this.options;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      this.attempt = new AbortController();
      const attempt = AbortSignal.any([signal, this.attempt.signal]);
      try {
        const session = await this.ensureSession();
        await this.options.identity.ensure(session.trustDomain);
        // Serving from a cached snapshot already: heartbeat now so this instance is an endpoint again at once.
        if (state.snapshot) await this.sendHeartbeat();
        this.scheduleHeartbeats();
        await followConfig(this.client, (snapshot) => this.apply(snapshot), attempt);
      } catch (error) {
        if (signal.aborted) break;
        this.markDisconnected(error);
        if (isSessionRejected(error) || (await this.heartbeatRejected())) this.forgetSession();
      }
      if (signal.aborted) break;
      if (state.snapshot) state.setHealth("degraded");
      const delay = backoffDelay(this.failures++);
      log.info({ retryInMs: delay, error: this.lastError }, "reconnecting to the control plane");
      await sleep(delay, signal);
    }
  }

  private async ensureSession(): Promise<AgentSession> {
    if (this.session) return this.session;
    const { registration, controlPlaneUrl, joinToken, store, log } = this.options;
    if (!joinToken) throw new Error("no join token: pass --join-token-file FILE or set MESH_JOIN_TOKEN");
    const output = await this.client.agent.register.mutate(registration);
    this.session = {
      instanceId: output.instanceId,
      credential: output.credential,
      trustDomain: output.trustDomain,
      heartbeatIntervalMs: output.heartbeatIntervalMs,
      controlPlaneUrl,
      registration,
    };
    await store.saveSession(this.session);
    log.info({ instanceId: output.instanceId, trustDomain: output.trustDomain }, "registered with the control plane");
    return this.session;
  }

  private apply(snapshot: AgentSnapshot): void {
    const { state, store, log } = this.options;
    this.connected = true;
    this.lastContact = new Date();
    this.lastError = null;
    this.failures = 0;
    const previous = state.snapshot;
    const problem = snapshotProblem(snapshot, state.service) ?? this.install(snapshot, previous);
    if (problem) {
      this.rejection = { revision: snapshot.revision, error: problem.slice(0, 2000) };
      log.error({ revision: snapshot.revision, keeping: previous?.revision ?? null, error: problem }, "rejected config snapshot");
    } else {
      this.rejection = null;
      state.setHealth("ok");
      // Endpoint changes re-push the same revision; only policy revisions are worth an info line.
      log[previous?.revision === snapshot.revision ? "debug" : "info"]({ revision: snapshot.revision }, "applied config snapshot");
      store.saveSnapshot(snapshot).catch((error: unknown) => log.error({ err: error }, "cannot cache the config snapshot on disk"));
    }
    // Acknowledge (or report the rejection) at once so rollout status does not wait a heartbeat period.
    void this.sendHeartbeat().catch(() => undefined);
  }

  /** Hands the snapshot to the data path; when that throws, puts the previous one back and says why. */
  private install(snapshot: AgentSnapshot, previous: AgentSnapshot | null): string | null {
    const { state, log } = this.options;
    try {
      state.setSnapshot(snapshot);
      return null;
    } catch (error) {
      try {
        if (previous) state.setSnapshot(previous);
        else state.snapshot = null;
      } catch (restoreError) {
        log.error({ err: restoreError }, "cannot restore the previous config snapshot");
      }
      return `the data path could not apply it: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const session = this.session;
    // No snapshot yet: nothing to acknowledge, and the first heartbeat is what makes this instance an endpoint.
    if (!session || !this.options.state.snapshot) return;
    const health = this.options.state.health === "ok" ? "ok" : "degraded";
    await this.client.agent.heartbeat.mutate({
      instanceId: session.instanceId,
      appliedRevision: this.options.state.snapshot?.revision ?? null,
      health,
      // Only when there is one, so a control plane older than the field still takes the heartbeat.
      ...(this.rejection ? { rejected: this.rejection } : {}),
    });
    this.lastContact = new Date();
  }

  /** An SSE failure does not say why; a heartbeat does (401/404 = the session is gone). */
  private async heartbeatRejected(): Promise<boolean> {
    if (!this.session) return false;
    try {
      await this.sendHeartbeat();
      return false;
    } catch (error) {
      return isSessionRejected(error);
    }
  }

  private scheduleHeartbeats(): void {
    if (this.heartbeatTimer || this.abort.signal.aborted) return;
    this.heartbeatTimer = setTimeout(async () => {
      try {
        await this.sendHeartbeat();
      } catch (error) {
        this.options.log.debug({ err: error }, "heartbeat failed");
        if (isSessionRejected(error)) this.forgetSession();
      }
      this.heartbeatTimer = null;
      this.scheduleHeartbeats();
    }, this.session?.heartbeatIntervalMs ?? 5000);
    this.heartbeatTimer.unref();
  }

  private forgetSession(): void {
    if (!this.session) return;
    this.options.log.warn({ instanceId: this.session.instanceId }, "the control plane no longer knows this agent; registering again");
    this.session = null;
    this.markDisconnected(new Error("session rejected by the control plane"));
    this.attempt.abort();
  }

  private markDisconnected(error: unknown): void {
    this.connected = false;
    this.lastError = error instanceof Error ? error.message : String(error);
  }
}
