import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, freePorts, startTsProcess, waitFor, type RunningProcess, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesApi } from "../../src/inject/ca-bundle.ts";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { agentClient, registerAgent } from "../agents/agent-client.ts";
import { startFakeKubernetesApi, type FakeKubernetesApi } from "../inject/fake-kubernetes-api.ts";
import { apiClient } from "../support/control-plane.ts";

// Issue 21, item 2: in Kubernetes an agent joins with its pod's ServiceAccount token; TokenReview says which service it may be.
const REVIEWS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzaG9wL3Jldmlld3MifQ.cmV2aWV3cw";
const WRONG_AUDIENCE_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzaG9wL3JhdGluZ3MifQ.YXBpc2VydmVy";
const UNKNOWN_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.bm9ib2R5";

let database: TestDatabase;
let dataDir: string;
let controlPlane: ControlPlane;
let kubernetes: FakeKubernetesApi;
const agents: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase("mesh_api");
  dataDir = await mkdtemp(join(tmpdir(), "mesh-api-"));
  // The fake API server's TLS certificate comes from the control plane's CA, which exists only once it has started:
  // the control plane is given this object now and its address once the fake API listens.
  const api: KubernetesApi = { url: "", token: "control-plane-service-account", caPem: "" };
  controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false, serviceAccountAttestation: { api, audience: "mesh" } });
  kubernetes = await startFakeKubernetesApi({
    authority: controlPlane.deps.authority,
    token: api.token,
    configurationYaml: "metadata: { name: unused }\nwebhooks: []\n",
    serviceAccountTokens: {
      [REVIEWS_TOKEN]: { username: "system:serviceaccount:shop:reviews", audiences: ["mesh"] },
      [WRONG_AUDIENCE_TOKEN]: { username: "system:serviceaccount:shop:ratings", audiences: ["https://kubernetes.default.svc"] },
    },
  });
  Object.assign(api, { url: kubernetes.url, caPem: controlPlane.deps.authority.caPem });
});
afterAll(async () => {
  await Promise.allSettled(agents.map((agent) => agent.stop(3000)));
  await kubernetes?.close();
  await controlPlane?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const registration = (service: string) => ({ service, version: "v1", address: "127.0.0.1", inboundPort: 15006 });

describe("ServiceAccount attestation (TokenReview)", () => {
  it("lets ServiceAccount shop/reviews register reviews, and only reviews", async () => {
    const reviews = await registerAgent(controlPlane.url, REVIEWS_TOKEN, { service: "reviews" });
    await reviews.heartbeat();
    const status = await apiClient(controlPlane.url, controlPlane.adminToken).agents.status.query();
    expect(status.agents.map((a) => [a.service, a.attestation])).toEqual([["reviews", "k8s-serviceaccount shop/reviews"]]);

    await expect(agentClient(controlPlane.url, REVIEWS_TOKEN).agent.register.mutate(registration("ratings"))).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
      message: 'ServiceAccount shop/reviews may register only service "reviews", not "ratings"; run ratings\'s pods under a ServiceAccount named ratings',
    });
    expect(kubernetes.requests().filter((r) => r === "POST tokenreviews").length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a token for another audience, and one the API server never issued", async () => {
    for (const token of [WRONG_AUDIENCE_TOKEN, UNKNOWN_TOKEN]) {
      await expect(agentClient(controlPlane.url, token).agent.register.mutate(registration("ratings"))).rejects.toMatchObject({
        data: { code: "UNAUTHORIZED" },
        message: "a valid join token is required (this one is unknown, revoked or expired)",
      });
    }
  });

  it("joins a real agent that reads its projected token from --join-token-file", async () => {
    const file = join(dataDir, "projected-token");
    await writeFile(file, REVIEWS_TOKEN, { mode: 0o600 });
    const [app, inbound, outbound, admin] = (await freePorts(4)) as [number, number, number, number];
    const agent = startTsProcess(
      "apps/agent/src/main.ts",
      [
        ...["--service", "reviews", "--version", "v2", "--control-plane", controlPlane.url, "--join-token-file", file, "--advertise-address", "127.0.0.1"],
        ...["--app-port", app, "--inbound-port", inbound, "--outbound-port", outbound, "--admin-port", admin].map(String),
        ...["--data-dir", join(dataDir, "agent-reviews")],
      ],
      { MESH_JOIN_TOKEN: "" },
    );
    agents.push(agent);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${admin}/ready`)).ok, { timeoutMs: 90_000, intervalMs: 200, what: "the reviews agent to be ready" }).catch((error: Error) => {
      throw new Error(`${error.message}\n${agent.output().slice(-2000)}`);
    });
    const status = await apiClient(controlPlane.url, controlPlane.adminToken).agents.status.query();
    expect(status.agents.find((a) => a.version === "v2")).toMatchObject({ service: "reviews", attestation: "k8s-serviceaccount shop/reviews" });
  });

  it("answers 503, naming the Kubernetes API, when TokenReview cannot be reached", async () => {
    await kubernetes.close();
    await expect(agentClient(controlPlane.url, REVIEWS_TOKEN).agent.register.mutate(registration("reviews"))).rejects.toMatchObject({
      data: { code: "SERVICE_UNAVAILABLE" },
      message: expect.stringContaining("cannot check the ServiceAccount token: the Kubernetes API's TokenReview failed"),
    });
    // The mesh's own tokens do not depend on it.
    await expect(registerAgent(controlPlane.url, controlPlane.joinToken, { service: "ratings" })).resolves.toBeDefined();
  });
});
