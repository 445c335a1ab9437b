import { X509Certificate } from "node:crypto";
import type { Logger } from "pino";
import { spiffeId, type CertificateOutput } from "@mesh/shared";
import type { AgentState, TlsCredentials } from "../state.ts";
import type { AgentStore } from "../discovery/agent-store.ts";
import { backoffDelay } from "../discovery/backoff.ts";
import { createCsrPem } from "./csr.ts";
import { generateKeyPair } from "./key-pair.ts";
import { RENEW_EVERY_MS_OVERRIDE, renewalDelayMs } from "./renewal-schedule.ts";

export interface IdentityOptions {
  state: AgentState;
  store: AgentStore;
  log: Logger;
  /** agent.certificate on the control plane, with the agent's current credential. */
  requestCertificate: (csrPem: string) => Promise<CertificateOutput>;
}

/**
 * The agent's workload certificate: a fresh key per issuance, a CSR for spiffe://<td>/service/<name>,
 * renewal at half-life with jitter, retries with backoff while the control plane is away. Until a new
 * certificate arrives, the current one stays in use.
 */
export class Identity {
  private trustDomain: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private issuing: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: IdentityOptions) {}

  /** Loads the certificate cached on disk, if it is still valid. */
  async loadCached(): Promise<void> {
    const cached = await this.options.store.loadCredentials();
    if (!cached) return;
    if (!this.isForThisService(cached) || cached.notAfter.getTime() <= Date.now()) {
      this.options.log.info({ notAfter: cached.notAfter }, "cached certificate unusable, will request a new one");
      return;
    }
    this.options.state.setCredentials(cached);
    this.options.log.info({ notAfter: cached.notAfter }, "loaded cached certificate");
  }

  /** Called once the agent has a session: issues now when nothing valid is in hand, else schedules renewal. */
  async ensure(trustDomain: string): Promise<void> {
    this.trustDomain = trustDomain;
    const current = this.options.state.credentials;
    if (!current || !this.isForTrustDomain(current, trustDomain) || current.notAfter.getTime() <= Date.now()) {
      await this.issue();
    } else if (!this.timer) {
      this.scheduleRenewal(current);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private issue(): Promise<void> {
    this.issuing ??= this.issueOnce().finally(() => (this.issuing = null));
    return this.issuing;
  }

  private async issueOnce(): Promise<void> {
    const { state, store, log, requestCertificate } = this.options;
    const trustDomain = this.trustDomain!;
    const { keys, privateKeyPem } = await generateKeyPair();
    const csrPem = await createCsrPem(keys, spiffeId(trustDomain, state.service));
    const issued = await requestCertificate(csrPem);
    const credentials: TlsCredentials = {
      keyPem: privateKeyPem,
      certificatePem: issued.certificatePem,
      caPem: issued.caPem,
      notAfter: new Date(issued.notAfter),
    };
    state.setCredentials(credentials);
    this.failures = 0;
    log.info({ notAfter: issued.notAfter, spiffeId: spiffeId(trustDomain, state.service) }, "certificate issued");
    await store.saveCredentials(credentials);
    this.scheduleRenewal(credentials);
  }

  private scheduleRenewal(credentials: TlsCredentials): void {
    const notBefore = new Date(new X509Certificate(credentials.certificatePem).validFrom);
    this.schedule(RENEW_EVERY_MS_OVERRIDE ?? renewalDelayMs(notBefore, credentials.notAfter));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    // setTimeout overflows past ~24.8 days; certificates here live 24 h, so clamping is enough.
    this.timer = setTimeout(() => void this.renew(), Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    this.timer = null;
    try {
      await this.issue();
    } catch (error) {
      const delay = backoffDelay(this.failures++, { baseMs: 500, capMs: 30_000 });
      this.options.log.warn({ err: error, retryInMs: delay }, "certificate renewal failed");
      this.schedule(delay);
    }
  }

  private isForThisService(credentials: TlsCredentials): boolean {
    return spiffeIdsOf(credentials).some((id) => id.endsWith(`/service/${this.options.state.service}`));
  }

  private isForTrustDomain(credentials: TlsCredentials, trustDomain: string): boolean {
    return spiffeIdsOf(credentials).includes(spiffeId(trustDomain, this.options.state.service));
  }
}

function spiffeIdsOf(credentials: TlsCredentials): string[] {
  const altNames = new X509Certificate(credentials.certificatePem).subjectAltName ?? "";
  return altNames
    .split(", ")
    .filter((name) => name.startsWith("URI:"))
    .map((name) => name.slice("URI:".length));
}
