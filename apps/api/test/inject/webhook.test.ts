import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, freePort, REPO_ROOT, waitFor, type TestDatabase } from "@mesh/testkit";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { startInjectionWebhook } from "../../src/inject/server.ts";
import { webhookSettingsFromEnv } from "../../src/inject/webhook-settings.ts";
import type { AdmissionReview } from "../../src/inject/admission-review.ts";
import { startFakeKubernetesApi, type FakeKubernetesApi } from "./fake-kubernetes-api.ts";
import { applyToPod, fixtureText, loadReview } from "./load-review.ts";

const SERVICE_DNS_NAME = "mesh-control-plane.mesh-system.svc";

let database: TestDatabase;
let dataDir: string;
let controlPlane: ControlPlane;
let webhookPort: number;

beforeAll(async () => {
  database = await createTestDatabase("mesh_inject");
  dataDir = await mkdtemp(join(tmpdir(), "mesh-inject-"));
  webhookPort = await freePort();
  controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false, webhookPort });
});

afterAll(async () => {
  await controlPlane?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** What the API server does: POST the review over TLS, trusting only the caBundle, checking the Service's DNS name. */
function post(port: number, body: string, tls: RequestOptions = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/inject?timeout=10s",
        method: "POST",
        servername: SERVICE_DNS_NAME,
        ca: controlPlane.deps.authority.caPem,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        ...tls,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the injection webhook served by the control plane", () => {
  it("answers a real AdmissionReview over TLS with a patch that applies to the pod and keeps it a valid Pod", async () => {
    const { status, text } = await post(webhookPort, fixtureText("deployment-pod"));
    expect(status).toBe(200);
    const answer = JSON.parse(text) as AdmissionReview;
    expect(answer.response).toMatchObject({ uid: "3b8f0e52-6a0d-4c3e-9a51-2f7d1c9e4b10", allowed: true, patchType: "JSONPatch" });

    const pod = applyToPod(loadReview("deployment-pod").request.object, answer);
    const agent = pod.spec?.initContainers?.[0];
    expect(agent).toMatchObject({ name: "mesh-agent", restartPolicy: "Always", command: ["mesh-agent"] });
    expect(agent?.args).toEqual(expect.arrayContaining(["--service=reviews", "--version=v2", "--app-port=9080", `--control-plane=http://${SERVICE_DNS_NAME}:4000`]));
    expect(pod.spec?.containers?.[0]?.env).toContainEqual({ name: "HTTP_PROXY", value: "http://127.0.0.1:15001" });
  });

  it("leaves an already injected pod alone", async () => {
    const { status, text } = await post(webhookPort, fixtureText("injected-pod"));
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "9e2a4c61-7b3f-4d80-a5e2-6c1b0d9f3e42", allowed: true },
    });
  });

  it("serves a certificate from the mesh CA for the Service's DNS names only", async () => {
    await expect(post(webhookPort, fixtureText("opted-out-pod"), { servername: "mesh-control-plane.other-namespace.svc" })).rejects.toThrow(
      /does not match certificate's altnames/,
    );
  });

  it("says what is wrong with a body that is not an AdmissionReview", async () => {
    const notJson = await post(webhookPort, "{");
    expect(notJson.status).toBe(400);
    expect(notJson.text).toMatch(/^not an AdmissionReview \(admission.k8s.io\/v1\): body is not JSON/);
    const wrongKind = await post(webhookPort, JSON.stringify({ apiVersion: "v1", kind: "Pod" }));
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.text).toContain("expected apiVersion admission.k8s.io/v1, kind AdmissionReview; got v1, Pod");
  });
});

describe("publishing the mesh CA as the webhook configuration's caBundle", () => {
  let kubernetes: FakeKubernetesApi;
  let webhook: { port: number; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    const configuration = await readFile(join(REPO_ROOT, "deploy/kubernetes/webhook.yaml"), "utf8");
    kubernetes = await startFakeKubernetesApi({ authority: controlPlane.deps.authority, token: "service-account-token", configurationYaml: configuration });
  });

  afterAll(async () => {
    await webhook?.close();
    await kubernetes?.close();
  });

  it("writes the CA into every webhook of deploy/kubernetes/webhook.yaml, so the API server can verify the injector", async () => {
    const settings = {
      ...webhookSettingsFromEnv({}),
      caBundleTarget: { api: { url: kubernetes.url, token: "service-account-token", caPem: controlPlane.deps.authority.caPem }, configurationName: "mesh-sidecar-injector" },
    };
    webhook = await startInjectionWebhook(controlPlane.deps, 0, settings);

    const expected = Buffer.from(controlPlane.deps.authority.caPem).toString("base64");
    const webhooks = await waitFor(
      () => {
        const list = kubernetes.configuration().webhooks;
        return list.length > 0 && list.every((w) => w.clientConfig.caBundle === expected) ? list : null;
      },
      { timeoutMs: 20_000, what: "caBundle in every webhook" },
    );
    expect(webhooks.length).toBeGreaterThanOrEqual(1);
    expect(kubernetes.requests()).toEqual(["GET mutatingwebhookconfigurations/mesh-sidecar-injector", "PATCH mutatingwebhookconfigurations/mesh-sidecar-injector"]);

    // Trusting only that caBundle, the API server reaches the webhook.
    const caBundle = Buffer.from(webhooks[0]!.clientConfig.caBundle!, "base64").toString("utf8");
    const { status } = await post(webhook.port, fixtureText("job-pod"), { ca: caBundle });
    expect(status).toBe(200);
  });
});
