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
let controlPlane: ControlPlane;
let app: Server;
let appPort: number;
const running: RunningProcess[] = [];
const volumes: string[] = [];

interface InjectedPod {
  pod: Pod;
  agent: Container;
  runtime: PodRuntime;
}

/** The fixture's pod as the webhook would inject it, with free ports so several pods share this machine. */
async function inject(fixture: "deployment-pod" | "job-pod", podName: string, declarePort?: number): Promise<InjectedPod> {
  const [inbound, outbound, admin] = await freePorts(3);
  const review = loadReview(fixture);
  const object = structuredClone(review.request.object) as Pod;
  if (declarePort !== undefined) object.spec!.containers![0]!.ports = [{ name: "http", containerPort: declarePort, protocol: "TCP" }];
  const answer = buildInjectionPatch(
    { ...review, request: { ...review.request, object } },
    {
      agentImage: "ghcr.io/mesh-dev/mesh:test",
      controlPlaneUrl: controlPlane.url,
      joinTokenSecret: { name: "mesh-join-token", key: "token" },
      ports: { inbound: inbound!, outbound: outbound!, admin: admin! },
    },
  );
  const pod = applyToPod(object, answer);
  const volume = await mkdtemp(join(tmpdir(), "mesh-agent-data-"));
  volumes.push(volume);
  const runtime: PodRuntime = {
    podIP: "127.0.0.1",
    podName,
    namespace: pod.metadata!.namespace!,
    secrets: { "mesh-join-token": { token: controlPlane.joinToken } },
    volumes: { "/var/lib/mesh-agent": volume },
    entryPoints: { "mesh-agent": "apps/agent/src/main.ts" },
  };
  return { pod, agent: pod.spec!.initContainers![0]!, runtime };
}

async function startAgent({ agent, runtime }: InjectedPod): Promise<void> {
  const process = startContainer(agent, runtime);
  running.push(process);
  await waitFor(() => execProbe(agent, "startupProbe", runtime), { timeoutMs: 60_000, intervalMs: 500, what: "the startup probe" }).catch((error: Error) => {
    throw new Error(`${error.message}\nagent output:\n${process.output().slice(-3000)}`);
  });
}

let reviewsPod: InjectedPod;

beforeAll(async () => {
  database = await createTestDatabase("mesh_inject_agent");
  dataDir = await mkdtemp(join(tmpdir(), "mesh-inject-cp-"));
  controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  [appPort] = (await freePorts(1)) as [number];
  app = createServer((req, res) => res.end(`reviews v2 answered ${req.method} ${req.url}`));
  await new Promise<void>((resolve) => app.listen(appPort, "127.0.0.1", () => resolve()));
  reviewsPod = await inject("deployment-pod", "reviews-v2-7c9d8f6b54-x2xkq", appPort);
});

afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
  await new Promise((resolve) => app?.close(resolve));
  await controlPlane?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await Promise.all(volumes.map((volume) => rm(volume, { recursive: true, force: true })));
});

describe("the injected agent, run as the kubelet would run it", () => {
  it("is not ready before it runs, then passes its startup, readiness and liveness probes once it has joined", async () => {
    const { agent, runtime } = reviewsPod;
    expect(await execProbe(agent, "startupProbe", runtime)).toBe(false);
    await startAgent(reviewsPod);
    expect(await execProbe(agent, "readinessProbe", runtime)).toBe(true);
    expect(await execProbe(agent, "livenessProbe", runtime)).toBe(true);
  });

  it("registered the pod as an instance of the service and version its labels name, at the pod IP", async () => {
    const services = await apiClient(controlPlane.url, controlPlane.adminToken).services.list.query();
    const reviews = services.find((service) => service.name === "reviews");
    expect(reviews?.versions).toEqual(["v2"]);
    expect(reviews?.instances).toEqual([expect.objectContaining({ version: "v2", address: "127.0.0.1", inboundPort: (reviewsPod.agent.ports as { containerPort: number }[])[0]!.containerPort })]);
  });

  it("carries a Job's plain HTTP call to reviews through the mesh, with the HTTP_PROXY the Job's container was given", async () => {
    const job = await inject("job-pod", "nightly-report-29402880-7wq9z");
    await startAgent(job);
    const proxy = new URL(containerEnv(job.pod.spec!.containers![0]!, job.runtime).HTTP_PROXY!);
    const body = await waitFor(
      () =>
        new Promise<string | null>((resolve, reject) => {
          const req = request({ host: proxy.hostname, port: Number(proxy.port), path: "http://reviews/books/1", timeout: 5000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${res.headers["x-mesh-error"] ?? ""} ${text}`))));
          });
          req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
          req.on("error", reject);
          req.end();
        }),
      { timeoutMs: 30_000, intervalMs: 250, what: "a 200 from reviews through the Job's agent" },
    );
    expect(body).toBe("reviews v2 answered GET /books/1");
  });
});
