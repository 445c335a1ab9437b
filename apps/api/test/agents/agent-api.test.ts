import { X509Certificate } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/root.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { agentClient, agentCsr, endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "./agent-client.ts";

async function httpStatusOf(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<AppRouter>).data?.httpStatus;
}

describe("agent API over real HTTP", () => {
  let cp: TestControlPlane;
  const feeds: SnapshotFeed[] = [];

  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await cp?.close();
  });

  it("refuses registration without a valid join token (401)", async () => {
    const input = { service: "reviews", version: "v1", address: "127.0.0.1", inboundPort: 15006 };
    expect(await httpStatusOf(agentClient(cp.controlPlane.url, "mesh_join_wrong").agent.register.mutate(input))).toBe(401);
    expect(await httpStatusOf(agentClient(cp.controlPlane.url, null).agent.register.mutate(input))).toBe(401);
  });

  it("rejects a malformed registration naming the field", async () => {
    const error = await agentClient(cp.controlPlane.url, cp.controlPlane.joinToken)
      .agent.register.mutate({ service: "Bad_Name", version: "v1", address: "127.0.0.1", inboundPort: 15006 })
      .then(() => null, (e: unknown) => e as TRPCClientError<AppRouter>);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error?.message).toContain("service");
  });

  it("registers, gets a certificate for its own identity only, and receives its own service's snapshot", async () => {
    const reviews = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "reviews", version: "v2", inboundPort: 16001 });
    expect(reviews.registration.credential).toMatch(/^mesh_agent_/);
    expect(reviews.registration.trustDomain).toBe("mesh.local");
    expect(reviews.registration.heartbeatIntervalMs).toBeGreaterThan(0);

    const { certificatePem, caPem } = await reviews.client.agent.certificate.mutate({ csrPem: await agentCsr("spiffe://mesh.local/service/reviews") });
    const leaf = new X509Certificate(certificatePem);
    expect(leaf.subjectAltName).toBe("URI:spiffe://mesh.local/service/reviews");
    expect(leaf.verify(new X509Certificate(caPem).publicKey)).toBe(true);

    const forOther = reviews.client.agent.certificate.mutate({ csrPem: await agentCsr("spiffe://mesh.local/service/ratings") });
    expect(await httpStatusOf(forOther)).toBe(403);

    const feed = watchConfig(reviews.client);
    feeds.push(feed);
    const first = await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "first snapshot" });
    expect(first.service).toBe("reviews");
    expect(first.trustDomain).toBe("mesh.local");
    expect(first.meshConfig).toMatchObject({ mtls: "strict", defaultAccess: "allow" });
    // Registered but not yet heartbeating: known as a destination, not yet an endpoint.
    expect(first.destinations.reviews).toEqual({ trafficPolicy: null, endpoints: [] });

    await reviews.heartbeat("ok", first.revision);
    const withEndpoint = await waitFor(() => (endpointsOf(feed.latest(), "reviews").length === 1 ? feed.latest() : null), { timeoutMs: 10_000, what: "own endpoint" });
    expect(withEndpoint.destinations.reviews!.endpoints).toEqual([
      { instanceId: reviews.registration.instanceId, version: "v2", address: "127.0.0.1", port: 16001 },
    ]);
    expect(feed.errors).toEqual([]);
  });

  it("an agent credential only ever gets its own service's snapshot", async () => {
    const ratings = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "ratings" });
    const feed = watchConfig(ratings.client);
    feeds.push(feed);
    const snapshot = await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "ratings snapshot" });
    expect(snapshot.service).toBe("ratings");
    expect(Object.keys(snapshot.destinations).sort()).toEqual(["ratings", "reviews"]);
  });

  it("refuses the config subscription to anyone but an agent: no token, operators of any role, the join token", async () => {
    const viewer = await cp.admin.tokens.create.mutate({ role: "viewer", name: "viewer" });
    const editor = await cp.admin.tokens.create.mutate({ role: "editor", name: "editor" });
    const cases = [
      [null, "UNAUTHORIZED"],
      [viewer.token, "FORBIDDEN"],
      [editor.token, "FORBIDDEN"],
      [cp.controlPlane.adminToken, "FORBIDDEN"],
      [cp.controlPlane.joinToken, "FORBIDDEN"],
    ] as const;
    for (const [token, code] of cases) {
      const feed = watchConfig(agentClient(cp.controlPlane.url, token));
      feeds.push(feed);
      const error = await waitFor(() => feed.errors[0], { timeoutMs: 10_000, what: `${code} error` });
      expect((error as TRPCClientError<AppRouter>).data?.code).toBe(code);
      expect(feed.snapshots).toEqual([]);
    }
    // Operators cannot register agents either: that takes a join token.
    expect(
      await httpStatusOf(cp.client(editor.token).agent.register.mutate({ service: "reviews", version: "v1", address: "127.0.0.1", inboundPort: 15006 })),
    ).toBe(403);
  });

  it("ends the subscription on the server when the agent goes away", async () => {
    const hub = cp.controlPlane.deps.configHub;
    const before = hub.subscriberCount();
    const agent = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "short-lived" });
    const feed = watchConfig(agent.client);
    await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "snapshot" });
    expect(hub.subscriberCount()).toBe(before + 1);
    feed.stop();
    await waitFor(() => hub.subscriberCount() === before, { timeoutMs: 10_000, what: "server-side subscription to end" });
  });

  it("refuses a heartbeat for another instance and forgets a deregistered agent", async () => {
    const a = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "details" });
    const b = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "details" });
    const spoof = a.client.agent.heartbeat.mutate({ instanceId: b.registration.instanceId, health: "ok", appliedRevision: null });
    expect(await httpStatusOf(spoof)).toBe(403);

    await a.client.agent.deregister.mutate();
    expect(await httpStatusOf(a.heartbeat())).toBe(401);
  });

  it("an agent credential cannot call operator procedures", async () => {
    const agent = await registerAgent(cp.controlPlane.url, cp.controlPlane.joinToken, { service: "productpage" });
    const policy = { apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "productpage" }, spec: {} };
    expect(await httpStatusOf(agent.client.resources.applyDocuments.mutate({ documents: [policy] }))).toBe(403);
    expect(await httpStatusOf(agent.client.resources.get.query({ kind: "AccessPolicy" }))).toBe(403);
    expect(await httpStatusOf(agent.client.services.list.query())).toBe(403);
    expect(await httpStatusOf(agent.client.agents.status.query())).toBe(403);
    expect(await httpStatusOf(agent.client.certificates.list.query())).toBe(403);
  });

  it("operators see services, agents and issued certificates", async () => {
    const services = await cp.admin.services.list.query();
    const reviews = services.find((s) => s.name === "reviews");
    expect(reviews).toMatchObject({ versions: ["v2"] });
    expect(reviews!.instances[0]).toMatchObject({ health: "ok", inboundPort: 16001 });

    const status = await cp.admin.agents.status.query();
    expect(status.agents.find((a) => a.service === "reviews")).toMatchObject({ health: "ok", appliedRevision: status.revision, upToDate: true });
    expect(status.agents.some((a) => a.service === "details" && a.health === "starting")).toBe(true);

    const issued = await cp.admin.certificates.list.query({ service: "reviews" });
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ identity: "spiffe://mesh.local/service/reviews", expired: false });
    const ca = await cp.admin.certificates.ca.query();
    expect(ca.trustDomain).toBe("mesh.local");
    expect(new X509Certificate(ca.certificatePem).fingerprint256).toBe(ca.fingerprintSha256);
  });
});
