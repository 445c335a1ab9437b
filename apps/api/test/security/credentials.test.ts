import fc from "fast-check";
import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { agentClient, agentCsr, registerAgent, watchConfig } from "../agents/agent-client.ts";
import { databaseFingerprint } from "./database-fingerprint.ts";
import { bearer, callRaw } from "./raw-trpc.ts";

const REGISTRATION = { service: "intruder", version: "v1", address: "127.0.0.1", inboundPort: 15006 };
const VOLATILE = { Instance: ["health"] };

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

const register = (token: string) => callRaw(mesh.controlPlane.url, "agent.register", "mutation", REGISTRATION, bearer(token));
const fingerprint = () => databaseFingerprint(mesh.database.url, VOLATILE);

describe("join tokens", () => {
  it("answers 401 to guessed join tokens (random, right prefix with a wrong body, empty, altered, very long) and registers nobody", async () => {
    const before = await fingerprint();
    const real = mesh.controlPlane.joinToken;
    const printable = fc.stringMatching(/^[\x21-\x7e]{1,300}$/);
    const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, base64url.map((body) => `mesh_join_${body}`), base64url.map((body) => `mesh_op_${body}`), base64url.map((body) => `mesh_agent_${body}`)), async (guess) => {
        fc.pre(guess !== real);
        const answer = await register(guess);
        expect([guess, answer.status, answer.code]).toEqual([guess, 401, "UNAUTHORIZED"]);
      }),
      { numRuns: 60 },
    );
    const altered = [`${real.slice(0, -1)}${real.endsWith("A") ? "B" : "A"}`, real.toUpperCase(), `${real}x`, real.slice(0, -1), `mesh_join_${"A".repeat(8_000)}`];
    for (const guess of altered) expect([guess.slice(0, 40), (await register(guess)).status]).toEqual([guess.slice(0, 40), 401]);
    for (const authorization of ["Bearer ", "Bearer", "bearer  ", `Basic ${Buffer.from(`x:${real}`).toString("base64")}`, `${real}`, `Bearer ${real} extra`]) {
      const answer = await callRaw(mesh.controlPlane.url, "agent.register", "mutation", REGISTRATION, { authorization });
      expect([authorization.slice(0, 20), answer.status]).toEqual([authorization.slice(0, 20), 401]);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("answers 401 to a revoked join token, to an expired one, and to one replayed after revocation", async () => {
    const issued = await mesh.admin.tokens.createJoinToken.mutate({ service: "reviews", description: "rotating" });
    const first = await agentClient(mesh.controlPlane.url, issued.token).agent.register.mutate({ ...REGISTRATION, service: "reviews" });
    expect(first.credential).toMatch(/^mesh_agent_/);
    await mesh.admin.tokens.revoke.mutate({ id: issued.id });

    const expiring = await mesh.admin.tokens.createJoinToken.mutate({ service: "reviews", ttl: "1ms" });
    await waitFor(async () => (await register(expiring.token)).status === 401, { what: "the join token to expire" });

    const before = await fingerprint();
    for (const token of [issued.token, expiring.token]) {
      const answer = await register(token);
      expect([answer.status, answer.message]).toEqual([401, "a valid join token is required (this one is unknown, revoked or expired)"]);
    }
    expect(await fingerprint()).toEqual(before);
  });
});

describe("agent credentials", () => {
  it("are bound to their service and instance: no certificate for another identity, no heartbeat for another instance", async () => {
    const reviews = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "reviews" });
    const ratings = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "ratings" });
    await ratings.heartbeat("ok", 0);
    const before = await databaseFingerprint(mesh.database.url, VOLATILE);

    for (const spiffeId of ["spiffe://mesh.local/service/ratings", "spiffe://other.domain/service/reviews", "spiffe://mesh.local/service/reviews/../ratings"]) {
      const answer = await callRaw(mesh.controlPlane.url, "agent.certificate", "mutation", { csrPem: await agentCsr(spiffeId) }, bearer(reviews.registration.credential));
      expect([spiffeId, answer.status]).toEqual([spiffeId, 403]);
    }
    const garbage = await callRaw(mesh.controlPlane.url, "agent.certificate", "mutation", { csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----" }, bearer(reviews.registration.credential));
    expect(garbage.status).toBe(400);

    const spoof = await callRaw(mesh.controlPlane.url, "agent.heartbeat", "mutation", { instanceId: ratings.registration.instanceId, health: "degraded", appliedRevision: 7 }, bearer(reviews.registration.credential));
    expect([spoof.status, spoof.message]).toEqual([403, `this credential belongs to instance ${reviews.registration.instanceId}, not ${ratings.registration.instanceId}`]);

    const foreignReport = await callRaw(mesh.controlPlane.url, "telemetry.report", "mutation", {
      rollups: [],
      accessLogs: [{ time: Date.now(), direction: "inbound", source: "reviews", destination: "ratings", version: "v1", method: "GET", path: "/", status: 200, durationMs: 1, cause: null, traceId: null }],
    }, bearer(reviews.registration.credential));
    expect([foreignReport.status, foreignReport.message]).toEqual([403, "accessLogs[0]: an agent of reviews may not report inbound requests with destination ratings"]);

    expect(await databaseFingerprint(mesh.database.url, VOLATILE)).toEqual(before);
  });

  it("stops working after deregistration (401), for calls and for the config stream", async () => {
    const agent = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "details" });
    await agent.heartbeat("ok", 0);
    const feed = watchConfig(agent.client);
    await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "first snapshot" });
    await agent.client.agent.deregister.mutate();

    const credential = bearer(agent.registration.credential);
    const heartbeat = await callRaw(mesh.controlPlane.url, "agent.heartbeat", "mutation", { instanceId: agent.registration.instanceId, health: "ok", appliedRevision: 0 }, credential);
    expect([heartbeat.status, heartbeat.code]).toEqual([401, "UNAUTHORIZED"]);
    const certificate = await callRaw(mesh.controlPlane.url, "agent.certificate", "mutation", { csrPem: await agentCsr("spiffe://mesh.local/service/details") }, credential);
    expect(certificate.status).toBe(401);
    expect((await callRaw(mesh.controlPlane.url, "agent.config", "subscription", undefined, credential)).code).toBe("UNAUTHORIZED");
    expect((await callRaw(mesh.controlPlane.url, "agent.deregister", "mutation", undefined, credential)).status).toBe(401);

    // The stream opened before deregistration ends with a refusal instead of carrying the next config.
    await mesh.admin.resources.applyDocuments.mutate({ documents: [{ apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "details" }, spec: {} }] });
    const refusal = await waitFor(() => feed.errors[0], { timeoutMs: 10_000, what: "the open config stream to be refused" });
    expect(refusal).toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(feed.snapshots.every((snapshot) => snapshot.destinations.details?.trafficPolicy == null)).toBe(true);
    feed.stop();
  });
});

describe("where a token may come from", () => {
  it("ignores tokens in the query string (they end up in logs and browser history)", async () => {
    const admin = mesh.controlPlane.adminToken;
    const input = `input=${encodeURIComponent(JSON.stringify({ kind: "TrafficPolicy" }))}`;
    for (const query of [`token=${admin}`, `access_token=${admin}`, `authorization=Bearer%20${admin}`, `mesh_session=${admin}`]) {
      const response = await fetch(`${mesh.controlPlane.url}/trpc/resources.get?${input}&${query}`);
      expect([query.split("=")[0], response.status]).toEqual([query.split("=")[0], 401]);
    }
    // tRPC's SSE link may carry "connectionParams" in the URL; they are not credentials here.
    const params = `connectionParams=${encodeURIComponent(JSON.stringify({ token: admin, authorization: `Bearer ${admin}` }))}`;
    const stream = await callRaw(mesh.controlPlane.url, "agent.config", "subscription", undefined, {});
    expect(stream.code).toBe("UNAUTHORIZED");
    const withParams = await fetch(`${mesh.controlPlane.url}/trpc/agent.config?${params}`, { headers: { accept: "text/event-stream" }, signal: AbortSignal.timeout(10_000) });
    const firstBytes = await withParams.body!.getReader().read();
    expect(new TextDecoder().decode(firstBytes.value)).toContain("UNAUTHORIZED");
    await withParams.body?.cancel().catch(() => undefined);

    const otlp = await fetch(`${mesh.controlPlane.url}/v1/traces?access_token=${admin}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(otlp.status).toBe(401);
  });

  it("answers 401, not 500, to a session cookie that is not valid percent-encoding", async () => {
    const headers = { cookie: "mesh_session=%E0%A4%A", "x-mesh-client": "web" };
    const query = await callRaw(mesh.controlPlane.url, "resources.get", "query", { kind: "TrafficPolicy" }, headers);
    expect([query.status, query.code]).toEqual([401, "UNAUTHORIZED"]);
    const otlp = await fetch(`${mesh.controlPlane.url}/v1/traces`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });
    expect(otlp.status).toBe(401);
  });
});
