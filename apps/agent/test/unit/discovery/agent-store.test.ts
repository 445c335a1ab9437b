import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_MESH_CONFIG, type AgentSnapshot } from "@mesh/shared";
import { AgentStore, type AgentSession } from "../../../src/discovery/agent-store.ts";

const dirs: string[] = [];
async function freshStore(): Promise<AgentStore> {
  const dir = await mkdtemp(path.join(tmpdir(), "agent-store-"));
  dirs.push(dir);
  const store = new AgentStore(path.join(dir, "nested"));
  await store.init();
  return store;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const snapshot: AgentSnapshot = {
  revision: 7,
  service: "reviews",
  trustDomain: "mesh.local",
  meshConfig: DEFAULT_MESH_CONFIG,
  inbound: { accessPolicies: [], rateLimit: null },
  destinations: { ratings: { trafficPolicy: null, endpoints: [{ instanceId: "i-1", version: "v1", address: "127.0.0.1", port: 1234 }] } },
};
const session: AgentSession = {
  instanceId: "0b4c7c53-2f7e-4a36-9d1f-4a0d8f0f1a11",
  credential: "mesh_agent_secret",
  trustDomain: "mesh.local",
  heartbeatIntervalMs: 5000,
  controlPlaneUrl: "http://127.0.0.1:4000",
  registration: { service: "reviews", version: "v1", address: "127.0.0.1", inboundPort: 15006 },
};

describe("agent state on disk", () => {
  it("starts empty", async () => {
    const store = await freshStore();
    expect(await store.loadSnapshot()).toBeNull();
    expect(await store.loadSession()).toBeNull();
    expect(await store.loadCredentials()).toBeNull();
  });

  it("round-trips snapshot, session and credentials, keeping secrets owner-only", async () => {
    const store = await freshStore();
    const credentials = { keyPem: "KEY", certificatePem: "CERT", caPem: "CA", notAfter: new Date("2030-01-01T00:00:00Z") };
    await store.saveSnapshot(snapshot);
    await store.saveSession(session);
    await store.saveCredentials(credentials);

    expect(await store.loadSnapshot()).toEqual(snapshot);
    expect(await store.loadSession()).toEqual(session);
    expect(await store.loadCredentials()).toEqual(credentials);
    expect((await stat(path.join(store.dir, "session.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(store.dir, "credentials.json"))).mode & 0o777).toBe(0o600);
    expect((await readdir(store.dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("forgets the session after deregistration", async () => {
    const store = await freshStore();
    await store.saveSession(session);
    await store.clearSession();
    expect(await store.loadSession()).toBeNull();
  });
});

describe("agent state on disk under rapid change", () => {
  it("keeps the newest snapshot when writes overlap", async () => {
    const store = await freshStore();
    await Promise.all(Array.from({ length: 20 }, (_, revision) => store.saveSnapshot({ ...snapshot, revision })));
    expect((await store.loadSnapshot())?.revision).toBe(19);
  });
});
