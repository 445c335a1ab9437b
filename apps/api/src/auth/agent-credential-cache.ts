export interface AgentIdentity {
  service: string;
  instanceId: string;
}

export interface AgentCredentialCacheOptions {
  /** How long a successful lookup is trusted: the longest another replica's deregistration can go unnoticed here. */
  ttlMs: number;
  /** Far above any mesh's instance count; only bounds memory against a flood of distinct valid credentials. */
  maxEntries: number;
  /** A monotonic clock in ms. */
  now: () => number;
}

export const AGENT_CREDENTIAL_CACHE_DEFAULTS: AgentCredentialCacheOptions = { ttlMs: 1_000, maxEntries: 20_000, now: () => performance.now() };

interface Entry {
  identity: Promise<AgentIdentity | null>;
  expiresAt: number;
  /** Set once the lookup found the credential valid; unset while it is in flight. */
  instanceId?: string;
}

/**
 * Agent credentials recently found valid, by hash. Every heartbeat (one per agent per push, plus one every few
 * seconds) is authenticated; this makes a burst cost one database lookup per credential per TTL.
 * Only valid credentials stay cached: the service and instance a credential is bound to never change, only its
 * validity does, and `forgetInstance` drops it at once when this process deregisters the instance. Deregistered
 * through another replica, a credential is still accepted here for at most the TTL, counted from the lookup's start.
 */
export class AgentCredentialCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: AgentCredentialCacheOptions;

  constructor(options: Partial<AgentCredentialCacheOptions> = {}) {
    this.#options = { ...AGENT_CREDENTIAL_CACHE_DEFAULTS, ...options };
  }

  /** The identity `credentialHash` is bound to, from `lookUp` unless a lookup started within the TTL found it valid. */
  resolve(credentialHash: string, lookUp: () => Promise<AgentIdentity | null>): Promise<AgentIdentity | null> {
    const now = this.#options.now();
    const cached = this.#entries.get(credentialHash);
    if (cached && cached.expiresAt > now) return cached.identity;
    this.#entries.delete(credentialHash);
    // Oldest first: entries are (re)inserted as their lookups start, so this is the one expiring soonest.
    if (this.#entries.size >= this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    // The promise is cached, so concurrent requests with one credential share a lookup too.
    const entry: Entry = { identity: lookUp(), expiresAt: now + this.#options.ttlMs };
    this.#entries.set(credentialHash, entry);
    entry.identity.then(
      (identity) => {
        if (identity) entry.instanceId = identity.instanceId;
        else this.#drop(credentialHash, entry);
      },
      () => this.#drop(credentialHash, entry),
    );
    return entry.identity;
  }

  /** Call once `instanceId` is deregistered: its credential is looked up afresh (and refused) from now on. */
  forgetInstance(instanceId: string): void {
    // Lookups still in flight go too: they may have read the row before the deregistration.
    for (const [hash, entry] of this.#entries) if (entry.instanceId === instanceId || entry.instanceId === undefined) this.#entries.delete(hash);
  }

  #drop(credentialHash: string, entry: Entry): void {
    if (this.#entries.get(credentialHash) === entry) this.#entries.delete(credentialHash);
  }
}
