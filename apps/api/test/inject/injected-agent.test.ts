import { createServer, request, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, freePorts, waitFor, type RunningProcess, type TestDatabase } from "@mesh/testkit";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import { buildInjectionPatch } from "../../src/inject/injection-patch.ts";
import type { Container, Pod } from "../../src/inject/admission-review.ts";
import { apiClient } from "../support/control-plane.ts";
import { containerEnv, execProbe, startContainer, type PodRuntime } from "./kubelet.ts";
import { applyToPod, loadReview } from "./load-review.ts";

let database: TestDatabase;
let dataDir: string;
let volumeDir: string;
let controlPlane: ControlPlane;
let app: Server;
let agentProcess: RunningProcess | undefined;
let pod: Pod;
let agent: Container;
let runtime: PodRuntime;
let appPort: number;

beforeAll(async () => {
  database = await createTestDatabase("mesh_inject_agent");
  dataDir = await mkdtemp(join(tmpdir(), "mesh-inject-cp-"));
  volumeDir = await mkdtemp(join(tmpdir(), "mesh-agent-data-"));
  controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  const [inbound, outbound, admin, port] = await freePorts(4);
  appPort = port!;

  app = createServer((req, res) => res.end(`reviews v2 answered ${req.method} ${req.url}`));
  await new Promise<void>((resolve) => app.listen(appPort, "127.0.0.1", () => resolve()));

  // The Deployment's pod, declaring the port its app really listens on here.
  const review = loadReview("deployment-pod");
  const object = structuredClone(review.request.object) as Pod;
  object.spec!.containers![0]!.ports = [{ name: "http", containerPort: appPort, protocol: "TCP" }];
  const answer = buildInjectionPatch(
    { ...review, request: { ...review.request, object } },
    {
      agentImage: "ghcr.io/mesh-dev/mesh:test",
      controlPlaneUrl: controlPlane.url,
      joinTokenSecret: { name: "mesh-join-token", key: "token" },
      ports: { inbound: inbound!, outbound: outbound!, admin: admin! },
    },
  );
  pod = applyToPod(object, answer);
  agent = pod.spec!.initContainers![0]!;
  runtime = {
    podIP: "127.0.0.1",
    podName: "reviews-v2-7c9d8f6b54-x2xkq",
    namespace: "bookinfo",
    secrets: { "mesh-join-token": { token: controlPlane.joinToken } },
    volumes: { "/var/lib/mesh-agent": volumeDir },
    entryPoints: { "mesh-agent": "apps/agent/src/main.ts" },
  };
});

afterAll(async () => {
  await agentProcess?.stop();
  await new Promise((resolve) => app?.close(resolve));
  await controlPlane?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(volumeDir, { recursive: true, force: true });
});

describe("the injected agent, run as the kubelet would run it", () => {
  it("is not ready before it runs, then passes its startup, readiness and liveness probes once it has joined", async () => {
    expect(await execProbe(agent, "startupProbe", runtime)).toBe(false);
    agentProcess = startContainer(agent, runtime);
    await waitFor(() => execProbe(agent, "startupProbe", runtime), { timeoutMs: 60_000, intervalMs: 500, what: `the startup probe (agent output: ${agentProcess.output().slice(-2000)})` });
    expect(await execProbe(agent, "readinessProbe", runtime)).toBe(true);
    expect(await execProbe(agent, "livenessProbe", runtime)).toBe(true);
  });

  it("registered the pod as an instance of the service and version its labels name, at the pod IP", async () => {
    const services = await apiClient(controlPlane.url, controlPlane.adminToken).services.list.query();
    const reviews = services.find((service) => service.name === "reviews");
    expect(reviews?.versions).toEqual(["v2"]);
    expect(reviews?.instances).toEqual([expect.objectContaining({ version: "v2", address: "127.0.0.1", inboundPort: Number(agent.ports && (agent.ports as { containerPort: number }[])[0]!.containerPort) })]);
  });

  it("carries the app's plain HTTP call through the mesh with the HTTP_PROXY it was given", async () => {
    const proxy = new URL(containerEnv(pod.spec!.containers![0]!, runtime).HTTP_PROXY!);
    let last = "no answer yet";
    const body = await waitFor(
      () =>
        new Promise<string | null>((resolve, reject) => {
          const req = request({ host: proxy.hostname, port: Number(proxy.port), path: "http://reviews/books/1", timeout: 5000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => {
              last = `${res.statusCode} ${res.headers["x-mesh-error"] ?? ""} ${text}`;
              resolve(res.statusCode === 200 ? text : null);
            });
          });
          req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
          req.on("error", reject);
          req.end();
        }),
      { timeoutMs: 30_000, intervalMs: 250, what: `a 200 through the agent (last: ${last})` },
    );
    expect(body).toBe("reviews v2 answered GET /books/1");
  });
});
