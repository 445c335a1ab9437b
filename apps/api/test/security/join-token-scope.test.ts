import { mkdtemp, rm } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane } from "../../src/server.ts";
import { agentClient, registerAgent } from "../agents/agent-client.ts";
import { runMesh } from "../cli/run-mesh.ts";
import { apiClient, startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";

// Issue 21, item 2: a join token is one service's identity, and an instance registers only an address it connects from.
let mesh: TestControlPlane;
let asAdmin: Record<string, string>;

beforeAll(async () => {
  mesh = await startTestControlPlane();
  asAdmin = { MESH_API_URL: mesh.controlPlane.url, MESH_TOKEN: mesh.controlPlane.adminToken };
});
afterAll(() => mesh?.close());

const registration = (service: string, address = "127.0.0.1") => ({ service, version: "v1", address, inboundPort: 15006 });

async function createJoinToken(args: string[]): Promise<string> {
  const created = await runMesh(["join-token", "create", ...args], asAdmin);
  expect(created.stderr, created.stdout).not.toMatch(/error|missing/i);
  expect(created.code).toBe(0);
  return created.stdout.trim();
}

describe("mesh join-token create --service", () => {
  it("makes a token that registers its service and refuses any other, saying so", async () => {
    const reviewsToken = await createJoinToken(["--service", "reviews"]);
    expect(reviewsToken).toMatch(/^mesh_join_/);

    const reviews = await registerAgent(mesh.controlPlane.url, reviewsToken, { service: "reviews" });
    expect(reviews.registration.instanceId).toMatch(/^[0-9a-f-]{36}$/);

    const impostor = agentClient(mesh.controlPlane.url, reviewsToken).agent.register.mutate(registration("ratings"));
    await expect(impostor).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
      message: 'this join token may register only service "reviews", not "ratings"; create one for "ratings" with `mesh join-token create --service ratings`',
    });
    const ratings = await mesh.admin.agents.status.query();
    expect(ratings.agents.filter((agent) => agent.service === "ratings")).toEqual([]);
  });

  it("refuses to make a token that may register anything unless asked for plainly", async () => {
    const bare = await runMesh(["join-token", "create"], asAdmin);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain("missing --service NAME: a join token registers one service only");
    const both = await runMesh(["join-token", "create", "--service", "reviews", "--any-service"], asAdmin);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("give --service NAME or --any-service, not both");
    const badName = await runMesh(["join-token", "create", "--service", "Not_A_Service"], asAdmin);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toMatch(/service: .*lowercase/);

    const anyToken = await createJoinToken(["--any-service", "--description", "trusted fleet"]);
    await expect(registerAgent(mesh.controlPlane.url, anyToken, { service: "details" })).resolves.toBeDefined();
  });

  it("stops working once its TTL has passed", async () => {
    const fleeting = await createJoinToken(["--service", "details", "--ttl", "2s"]);
    await expect(registerAgent(mesh.controlPlane.url, fleeting, { service: "details" })).resolves.toBeDefined();
    const refusal = await waitFor(
      () => agentClient(mesh.controlPlane.url, fleeting).agent.register.mutate(registration("details")).then(() => null, (error: unknown) => error),
      { timeoutMs: 15_000, intervalMs: 250, what: "the join token to expire" },
    );
    expect(refusal).toMatchObject({ data: { code: "UNAUTHORIZED" }, message: "a valid join token is required (this one is unknown, revoked or expired)" });
  });

  it("mesh status shows how each agent was attested", async () => {
    const productpageToken = await createJoinToken(["--service", "productpage"]);
    const scoped = await registerAgent(mesh.controlPlane.url, productpageToken, { service: "productpage" });
    const bootstrap = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "loadgen" });
    await Promise.all([scoped.heartbeat(), bootstrap.heartbeat()]);

    const status = await mesh.admin.agents.status.query();
    const byId = new Map(status.agents.map((agent) => [agent.instanceId, agent]));
    expect(byId.get(scoped.registration.instanceId)?.attestation).toBe("join-token:scoped productpage");
    expect(byId.get(bootstrap.registration.instanceId)?.attestation).toBe("join-token:bootstrap");

    const table = await runMesh(["status"], asAdmin);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ATTESTED BY|attested by/i);
    const row = (id: string) => table.stdout.split("\n").find((line) => line.includes(id.slice(0, 8)));
    expect(row(scoped.registration.instanceId)).toContain("join-token:scoped productpage");
    expect(row(bootstrap.registration.instanceId)).toContain("join-token:bootstrap");
  });
});

describe("an instance registers only an address it proves", () => {
  it("refuses an endpoint at an address the agent does not connect from", async () => {
    const token = await createJoinToken(["--service", "ratings"]);
    const elsewhere = agentClient(mesh.controlPlane.url, token).agent.register.mutate(registration("ratings", "203.0.113.7"));
    await expect(elsewhere).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
      message:
        "address 203.0.113.7 is not where this agent connects from (127.0.0.1): an instance may register only an address it connects from; " +
        "start the agent with --advertise-address 127.0.0.1, or reach the control plane from 203.0.113.7",
    });
    const hostname = agentClient(mesh.controlPlane.url, token).agent.register.mutate(registration("ratings", "ratings.internal"));
    await expect(hostname).rejects.toMatchObject({ message: 'address "ratings.internal" must be an IP address (the one this agent connects to the control plane from)' });
    const status = await mesh.admin.agents.status.query();
    expect(status.agents.filter((agent) => agent.service === "ratings")).toEqual([]);
  });

  it("takes loopback or this host's own addresses from an agent on the control plane's host", async () => {
    const token = await createJoinToken(["--service", "ratings"]);
    const hostAddress = Object.values(networkInterfaces()).flatMap((list) => list ?? []).find((entry) => entry.family === "IPv4" && !entry.internal)?.address;
    for (const address of ["127.0.0.1", "127.0.0.2", ...(hostAddress ? [hostAddress] : [])]) {
      await expect(registerAgent(mesh.controlPlane.url, token, { service: "ratings", address })).resolves.toBeDefined();
    }
  });
});

describe("behind a proxy the operator trusts (MESH_TRUSTED_PROXIES)", () => {
  it("takes the client's address from X-Forwarded-For, which it ignores from anyone else", async () => {
    const forwarded = { "x-forwarded-for": "198.51.100.9, 203.0.113.7" };
    const token = await createJoinToken(["--service", "details"]);
    // Not a trusted proxy: the header is the client's claim, and changes nothing.
    const spoofed = apiClient(mesh.controlPlane.url, token, forwarded).agent.register.mutate(registration("details", "203.0.113.7"));
    await expect(spoofed).rejects.toMatchObject({ data: { code: "FORBIDDEN" }, message: expect.stringContaining("is not where this agent connects from (127.0.0.1)") });

    const database = await createTestDatabase("mesh_api");
    const dataDir = await mkdtemp(join(tmpdir(), "mesh-api-"));
    const behindProxy = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false, trustedProxies: ["127.0.0.1"] });
    try {
      const viaProxy = apiClient(behindProxy.url, behindProxy.joinToken, forwarded);
      await expect(viaProxy.agent.register.mutate(registration("details", "203.0.113.7"))).resolves.toMatchObject({ instanceId: expect.any(String) });
      await expect(viaProxy.agent.register.mutate(registration("details", "198.51.100.9"))).rejects.toMatchObject({
        message: expect.stringContaining("address 198.51.100.9 is not where this agent connects from (203.0.113.7)"),
      });
    } finally {
      await behindProxy.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
    await expect(startControlPlane({ dataDir: "/nonexistent", trustedProxies: ["proxy.internal"], log: false })).rejects.toThrow(
      'MESH_TRUSTED_PROXIES: "proxy.internal" is not an IP address; give the proxies\' addresses, comma-separated',
    );
  });
});
