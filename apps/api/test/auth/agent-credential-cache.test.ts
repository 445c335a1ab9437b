import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_CREDENTIAL_CACHE_DEFAULTS, AgentCredentialCache, type AgentIdentity } from "../../src/auth/agent-credential-cache.ts";
import { hashToken } from "../../src/auth/tokens.ts";
import { registerAgent } from "../agents/agent-client.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { bearer, callRaw } from "../security/raw-trpc.ts";

const TTL_MS = 1_000;
const REVIEWS: AgentIdentity = { service: "reviews", instanceId: "instance-1" };

/** A cache on a hand-moved clock, and a lookup that counts its calls and answers `answer`. */
function cacheWithCountedLookup() {
  let now = 0;
  const cache = new AgentCredentialCache({ ttlMs: TTL_MS, maxEntries: 3, now: () => now });
  const lookup = { calls: 0, answer: REVIEWS as AgentIdentity | null | Error };
  const lookUp = async () => {
    lookup.calls++;
    if (lookup.answer instanceof Error) throw lookup.answer;
    return lookup.answer;
  };
  const resolve = (hash = "hash-1") => cache.resolve(hash, lookUp);
  return { cache, lookup, resolve, advance: (ms: number) => (now += ms) };
}

describe("AgentCredentialCache", () => {
  it("looks a valid credential up once per TTL under a burst, concurrent or one after another", async () => {
    const { lookup, resolve, advance } = cacheWithCountedLookup();
    expect(await Promise.all(Array.from({ length: 50 }, () => resolve()))).toEqual(Array(50).fill(REVIEWS));
    for (let i = 0; i < 9; i++) {
      advance(100);
      expect(await resolve()).toEqual(REVIEWS);
    }
    expect(lookup.calls).toBe(1);
    advance(100);
    await resolve();
    expect(lookup.calls).toBe(2);
  });

  it("keeps no refusal and no failure: the next request looks up again", async () => {
    const { lookup, resolve } = cacheWithCountedLookup();
    lookup.answer = null;
    expect(await resolve()).toBeNull();
    lookup.answer = new Error("database unavailable");
    await expect(resolve()).rejects.toThrow("database unavailable");
    lookup.answer = REVIEWS;
    expect(await resolve()).toEqual(REVIEWS);
    expect(lookup.calls).toBe(3);
  });

  it("refuses a credential revoked elsewhere once the TTL since its last lookup has passed, not later", async () => {
    const { lookup, resolve, advance } = cacheWithCountedLookup();
    await resolve();
    lookup.answer = null;
    advance(TTL_MS - 1);
    expect(await resolve()).toEqual(REVIEWS);
    advance(1);
    expect(await resolve()).toBeNull();
  });

  it("forgets a deregistered instance at once, even when its lookup is still in flight", async () => {
    const { cache, lookup, resolve } = cacheWithCountedLookup();
    await resolve();
    cache.forgetInstance("another-instance");
    await resolve();
    expect(lookup.calls).toBe(1);
    cache.forgetInstance(REVIEWS.instanceId);
    lookup.answer = null;
    expect(await resolve()).toBeNull();

    lookup.answer = REVIEWS;
    const inFlight = resolve();
    cache.forgetInstance(REVIEWS.instanceId);
    lookup.answer = null;
    expect(await resolve()).toBeNull();
    expect(await inFlight).toEqual(REVIEWS);
  });

  it("holds at most maxEntries credentials, dropping the oldest first", async () => {
    const { lookup, resolve } = cacheWithCountedLookup();
    for (const hash of ["a", "b", "c", "d"]) await resolve(hash);
    await resolve("d");
    await resolve("b");
    expect(lookup.calls).toBe(4);
    await resolve("a");
    expect(lookup.calls).toBe(5);
  });
});

describe("agent authentication through the control plane", () => {
  let mesh: TestControlPlane;
  beforeAll(async () => {
    mesh = await startTestControlPlane();
  });
  afterAll(() => mesh?.close());

  it("refuses a credential deregistered by another replica within the TTL, and records no heartbeat for it meanwhile", async () => {
    const agent = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "ratings" });
    const { instanceId, credential } = agent.registration;
    const heartbeat = () => callRaw(mesh.controlPlane.url, "agent.heartbeat", "mutation", { instanceId, health: "ok", appliedRevision: 0 }, bearer(credential));
    expect((await heartbeat()).status).toBe(200);

    // What another replica's agent.deregister writes; this replica's cache does not hear of it.
    const prisma = mesh.controlPlane.deps.prisma;
    const { lastHeartbeatAt } = await prisma.instance.update({ where: { credentialHash: hashToken(credential) }, data: { deregisteredAt: new Date() } });
    // Within the credential cache's TTL, a heartbeat that changes nothing may still be answered from this replica's
    // memory (heartbeats are written in batches), but none is recorded for a deregistered instance.
    expect([200, 401, 404]).toContain((await heartbeat()).status);
    await sleep(AGENT_CREDENTIAL_CACHE_DEFAULTS.ttlMs);
    expect([(await heartbeat()).status, (await heartbeat()).code]).toEqual([401, "UNAUTHORIZED"]);
    expect((await prisma.instance.findUniqueOrThrow({ where: { credentialHash: hashToken(credential) } })).lastHeartbeatAt).toEqual(lastHeartbeatAt);
  });
});
