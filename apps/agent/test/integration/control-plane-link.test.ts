import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { freePort, waitFor } from "@mesh/testkit";
import { AgentState } from "../../src/state.ts";
import { AgentStore } from "../../src/discovery/agent-store.ts";
import { Discovery } from "../../src/discovery/discovery.ts";
import { Identity } from "../../src/identity/identity.ts";
import { startAdminServer, type AdminServer } from "../../src/admin/admin-server.ts";
import { createAgentMetrics } from "../../src/admin/agent-metrics.ts";
import { MeshHarness } from "./harness.ts";
import { certificateFromForeignCa } from "./certificates.ts";

/** The agent's control side (discovery, identity, admin) in this process, against a real control plane. */
async function startControlSide(mesh: MeshHarness, dataDir: string, beforeStart?: (store: AgentStore) => Promise<void>) {
  const state = new AgentState("reviews", "v1");
  const store = new AgentStore(dataDir);
  await store.init();
  await beforeStart?.(store);
  const log = pino({ enabled: false });
  let discovery: Discovery | null = null;
  const identity = new Identity({ state, store, log, requestCertificate: (csrPem) => discovery!.client.agent.certificate.mutate({ csrPem }) });
  discovery = new Discovery({
    controlPlaneUrl: mesh.cp.url,
    joinToken: mesh.cp.joinToken,
    registration: { service: "reviews", version: "v1", address: "127.0.0.1", inboundPort: await freePort() },
    state,
    store,
    identity,
    log,
  });
  await discovery.loadCached();
  await identity.loadCached();
  const admin: AdminServer = await startAdminServer({ state, registry: createAgentMetrics(state), port: 0, controlPlane: () => discovery.link() });
  discovery.start();
  return {
    state,
    discovery,
    ready: async () => (await fetch(`http://127.0.0.1:${admin.port}/ready`)).status === 200,
    async stop() {
      await discovery.stop();
      identity.stop();
      await admin.close();
    },
  };
}

let mesh: MeshHarness;
let dataDir: string;
let agent: Awaited<ReturnType<typeof startControlSide>> | null = null;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  dataDir = await mkdtemp(path.join(tmpdir(), "agent-link-"));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await mesh?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("agent ↔ control plane", () => {
  it("registers, gets a certificate for its SPIFFE ID from the mesh CA, follows config and becomes ready", async () => {
    agent = await startControlSide(mesh, dataDir);
    await waitFor(agent.ready, { timeoutMs: 60_000, what: "ready" });

    const credentials = agent.state.credentials!;
    const certificate = new X509Certificate(credentials.certificatePem);
    expect(certificate.subjectAltName).toBe(`URI:spiffe://${mesh.cp.trustDomain}/service/reviews`);
    expect(certificate.verify(new X509Certificate(credentials.caPem).publicKey)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(agent.state.health).toBe("ok");
    expect((await stat(path.join(dataDir, "credentials.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, "session.json"))).mode & 0o777).toBe(0o600);
  });

  it("applies a new revision pushed by the control plane and acknowledges it", async () => {
    const revision = (await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec: { timeout: 2s }
`))!;
    await waitFor(() => agent!.state.snapshot?.revision === revision, { timeoutMs: 30_000, what: `revision ${revision}` });
    expect(agent!.state.snapshot?.destinations.reviews?.trafficPolicy?.timeout).toBe("2s");
    const instanceId = agent!.discovery.link().instanceId!;
    await waitFor(
      async () => (await mesh.cp.deps.prisma.instance.findUnique({ where: { id: instanceId } }))?.appliedRevision === revision,
      { timeoutMs: 30_000, what: "the control plane to record the applied revision" },
    );
  });

  it("registers again when the control plane has forgotten it", async () => {
    const before = agent!.discovery.link().instanceId!;
    await mesh.cp.deps.prisma.instance.delete({ where: { id: before } });
    await waitFor(() => agent!.discovery.link().instanceId !== before && agent!.discovery.link().connected, {
      timeoutMs: 30_000,
      what: "a new registration",
    });
    expect(await mesh.cp.deps.prisma.instance.count({ where: { serviceName: "reviews" } })).toBe(1);
  });

  it("goes degraded without the control plane but stays ready, then recovers", async () => {
    await mesh.stopControlPlane();
    await waitFor(() => agent!.state.health === "degraded", { timeoutMs: 30_000, what: "degraded" });
    expect(await agent!.ready()).toBe(true);
    await mesh.restartControlPlane();
    await waitFor(() => agent!.state.health === "ok", { timeoutMs: 60_000, what: "reconnected" });
  });

  it("restarts from disk while the control plane is down, and deregisters on stop", async () => {
    await agent!.stop();
    await mesh.stopControlPlane();
    agent = await startControlSide(mesh, dataDir);
    expect(await agent.ready()).toBe(true);
    expect(agent.state.snapshot?.destinations.reviews?.trafficPolicy?.timeout).toBe("2s");
    await mesh.restartControlPlane();
    await waitFor(() => agent!.state.health === "ok", { timeoutMs: 60_000, what: "reconnected" });

    const instanceId = agent.discovery.link().instanceId!;
    await agent.stop();
    agent = null;
    expect((await mesh.cp.deps.prisma.instance.findUnique({ where: { id: instanceId } }))?.deregisteredAt).toBeInstanceOf(Date);
    expect(await readFile(path.join(dataDir, "session.json")).catch(() => null)).toBeNull();
  });
});

describe("workload certificate renewal", () => {
  const HOUR = 3_600_000;
  const signedByMeshCa = (pem: string) => new X509Certificate(pem).verify(new X509Certificate(mesh.cp.deps.authority.caPem).publicKey);

  it.each([
    ["past half its lifetime", { notBefore: new Date(Date.now() - 20 * HOUR), notAfter: new Date(Date.now() + 4 * HOUR) }],
    ["expired", { notBefore: new Date(Date.now() - 30 * HOUR), notAfter: new Date(Date.now() - HOUR) }],
  ])("replaces a cached certificate %s with a fresh one from the mesh CA at once", async (_, validity) => {
    const dir = await mkdtemp(path.join(tmpdir(), "agent-renewal-"));
    const old = await certificateFromForeignCa(`spiffe://${mesh.cp.trustDomain}/service/reviews`, validity);
    const renewing = await startControlSide(mesh, dir, (store) => store.saveCredentials(old));
    try {
      await waitFor(() => renewing.state.credentials && signedByMeshCa(renewing.state.credentials.certificatePem), {
        timeoutMs: 60_000,
        what: "a certificate from the mesh CA",
      });
      expect(renewing.state.credentials!.notAfter.getTime()).toBeGreaterThan(Date.now() + 23 * HOUR);
      expect(renewing.state.credentials!.keyPem).not.toBe(old.keyPem);
      await waitFor(async () => (await new AgentStore(dir).loadCredentials())?.certificatePem === renewing.state.credentials!.certificatePem, {
        what: "the new certificate cached on disk",
      });
    } finally {
      await renewing.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
