import { afterEach, describe, expect, it } from "vitest";
import { promtoolProblems } from "../../../../api/test/telemetry/promtool.ts";
import { x509 } from "../../../src/identity/x509.ts";
import { DEFAULT_MESH_CONFIG, type AgentSnapshot } from "@mesh/shared";
import { AgentState, type RequestRecord } from "../../../src/state.ts";
import { createAgentMetrics } from "../../../src/admin/agent-metrics.ts";
import { startAdminServer, type AdminServer } from "../../../src/admin/admin-server.ts";
import { generateKeyPair } from "../../../src/identity/key-pair.ts";

let admin: AdminServer | null = null;
afterEach(async () => {
  await admin?.close();
  admin = null;
});

async function startAdmin(state: AgentState) {
  admin = await startAdminServer({ state, registry: createAgentMetrics(state), port: 0 });
  const base = `http://127.0.0.1:${admin.port}`;
  const get = (p: string) => fetch(base + p);
  const json = async (p: string | Response): Promise<any> => (typeof p === "string" ? (await get(p)).json() : p.json());
  return { get, json, admin };
}

const snapshot: AgentSnapshot = {
  revision: 3,
  service: "reviews",
  trustDomain: "mesh.local",
  meshConfig: DEFAULT_MESH_CONFIG,
  inbound: { accessPolicies: [], rateLimit: null },
  destinations: {},
};

async function selfSignedCredentials(notAfter: Date) {
  const { keys, privateKeyPem } = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=test",
      keys: keys as never,
      notBefore: new Date(Date.now() - 60_000),
      notAfter,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: "spiffe://mesh.local/service/reviews" }])],
    },
  );
  const pem = cert.toString("pem");
  return { keyPem: privateKeyPem, certificatePem: pem, caPem: pem, notAfter };
}

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return {
    direction: "outbound", source: "reviews", destination: "ratings", destinationVersion: "v1", method: "GET", path: "/", status: 200,
    cause: null, detail: null, startTime: Date.now(), durationMs: 12, traceId: "0".repeat(32), spanId: "0".repeat(16),
    parentSpanId: null, sampled: true, attempts: 1, peer: null, mtls: true, ...overrides,
  };
}

describe("agent admin endpoints", () => {
  it("is alive at once but ready only with config and a certificate, saying what is missing", async () => {
    const state = new AgentState("reviews", "v1");
    const { get, json } = await startAdmin(state);
    expect((await get("/healthz")).status).toBe(200);

    let ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect((await json(ready)).missing).toEqual(["no config snapshot from the control plane yet", "no workload certificate yet"]);

    state.setSnapshot(snapshot);
    state.setCredentials(await selfSignedCredentials(new Date(Date.now() - 1000)));
    ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect((await json(ready)).missing[0]).toMatch(/^workload certificate expired at /);

    state.setCredentials(await selfSignedCredentials(new Date(Date.now() + 3_600_000)));
    ready = await get("/ready");
    expect(ready.status).toBe(200);
  });

  it("stops being ready while draining", async () => {
    const state = new AgentState("reviews", "v1");
    state.setSnapshot(snapshot);
    state.setCredentials(await selfSignedCredentials(new Date(Date.now() + 3_600_000)));
    const { get, json, admin } = await startAdmin(state);
    expect((await get("/ready")).status).toBe(200);
    admin.setDraining();
    const ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect((await json(ready)).missing).toEqual(["shutting down"]);
  });

  it("shows the config it runs, its revision and health", async () => {
    const state = new AgentState("reviews", "v1");
    const { get, json } = await startAdmin(state);
    expect(await json("/config")).toMatchObject({ service: "reviews", revision: null, health: "starting", snapshot: null });
    state.setSnapshot(snapshot);
    state.setHealth("degraded");
    state.setCredentials(await selfSignedCredentials(new Date(Date.now() + 3_600_000)));
    const config = await json("/config");
    expect(config).toMatchObject({ revision: 3, health: "degraded", degraded: true, snapshot });
    expect(config.certificate.subjectAltName).toBe("URI:spiffe://mesh.local/service/reviews");
  });

  it("exports request metrics per edge that promtool accepts", async () => {
    const state = new AgentState("reviews", "v1");
    const { get, json } = await startAdmin(state);
    state.record(record({ status: 200, durationMs: 12 }));
    state.record(record({ status: 200, durationMs: 30 }));
    state.record(record({ direction: "inbound", source: "productpage", destination: "reviews", destinationVersion: "v1", status: 403 }));

    const response = await get("/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    const sample = (name: string, labels: Record<string, string>) =>
      text.split("\n").find((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
    const edge = { direction: "outbound", source: "reviews", destination: "ratings", destination_version: "v1", code: "200" };
    expect(sample("mesh_requests_total", edge)).toMatch(/ 2$/);
    expect(sample("mesh_requests_total", { direction: "inbound", source: "productpage", code: "403" })).toMatch(/ 1$/);
    expect(sample("mesh_request_duration_seconds_bucket", { ...edge, le: "0.025" })).toMatch(/ 1$/);
    expect(sample("mesh_request_duration_seconds_bucket", { ...edge, le: "0.05" })).toMatch(/ 2$/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);

    expect(promtoolProblems(text)).toBe("");
  });

  it("answers unknown paths with 404 listing the endpoints", async () => {
    const { get, json } = await startAdmin(new AgentState("reviews", "v1"));
    const response = await get("/nope");
    expect(response.status).toBe(404);
    expect((await json(response)).error).toContain("/metrics");
  });
});
