import { Agent as HttpAgent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TlsCredentials } from "../../src/state.ts";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import { startControlPlane, type ControlPlane } from "@mesh/api";
import type { AppRouter } from "@mesh/api/router";
import type { AgentSnapshot } from "@mesh/shared";
import { createTestDatabase, freePorts, startTsProcess, waitFor, type RunningProcess, type TestDatabase } from "@mesh/testkit";

/** An app handler for the upstream of one service instance. */
export type AppHandler = (req: IncomingMessage, res: ServerResponse, instance: { service: string; version: string; port: number }) => void;

/** Answers 200 with JSON naming the instance that served it, so tests can count where traffic went. */
export const echoApp: AppHandler = (req, res, instance) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ service: instance.service, version: instance.version, instance: instance.port, path: req.url, headers: req.headers }));
};

export interface AgentConfigView {
  service: string;
  health: string;
  degraded: boolean;
  revision: number | null;
  snapshot: AgentSnapshot | null;
}

export interface ServiceInstance {
  service: string;
  version: string;
  ports: { app: number; inbound: number; outbound: number; admin: number };
  dataDir: string;
  agent: RunningProcess;
  /** Replace how the app answers, e.g. to make an instance healthy again. */
  setApp(handler: AppHandler): void;
  /** The app's own HTTP server, for what a request handler cannot do (a WebSocket server on its upgrades). */
  server: Server;
  config(): Promise<AgentConfigView>;
  adminGet(pathname: string): Promise<Response>;
  /** Stops the agent process only (SIGTERM → deregister and drain, or SIGKILL). */
  stopAgent(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts the agent again with the same flags and data dir. */
  restartAgent(): Promise<void>;
  /** Stops the app only, as if it crashed: its connections are cut and its port refuses from now on. */
  stopApp(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProxyResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = Record<string, unknown>>(): T;
  durationMs: number;
}

export class MeshHarness {
  private readonly instances: ServiceInstance[] = [];
  private constructor(
    public cp: ControlPlane,
    readonly db: TestDatabase,
    readonly root: string,
    private readonly cpPort: number,
  ) {}

  /** A real control plane on a fresh database, in this process. */
  static async start(): Promise<MeshHarness> {
    const db = await createTestDatabase("mesh_agent_it");
    const root = await mkdtemp(path.join(tmpdir(), "mesh-agent-it-"));
    const cp = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: db.url, dataDir: path.join(root, "control-plane"), log: false });
    return new MeshHarness(cp, db, root, cp.port);
  }

  get operator() {
    return createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${this.cp.url}/trpc`, headers: { authorization: `Bearer ${this.cp.adminToken}` } })],
    });
  }

  /** Applies YAML as the admin and returns the new revision. */
  async apply(yaml: string): Promise<number | null> {
    const result = await this.operator.resources.applyDocuments.mutate({ yaml });
    return result.revision;
  }

  /** Stops the control plane, as if it crashed or was taken down. */
  async stopControlPlane(): Promise<void> {
    await this.cp.close();
  }

  /** Brings the control plane back on the same port, database and data dir (same CA and tokens). */
  async restartControlPlane(): Promise<void> {
    this.cp = await startControlPlane({
      port: this.cpPort,
      host: "127.0.0.1",
      databaseUrl: this.db.url,
      dataDir: path.join(this.root, "control-plane"),
      log: false,
    });
  }

  /** An upstream app on a free port plus a real agent process in front of it (with `env` added to its environment); resolves once the agent is ready. */
  async startInstance(service: string, version: string, app: AppHandler = echoApp, options: { env?: Record<string, string> } = {}): Promise<ServiceInstance> {
    const [inbound, outbound, admin] = await freePorts(3);
    let handler = app;
    const upstream = await listen(createServer((req, res) => handler(req, res, { service, version, port: ports.app })));
    const ports = { app: (upstream.address() as AddressInfo).port, inbound: inbound!, outbound: outbound!, admin: admin! };
    const dataDir = path.join(this.root, `${service}-${version}-${ports.inbound}`);
    const args = [
      "--service", service,
      "--version", version,
      "--app-port", String(ports.app),
      "--inbound-port", String(ports.inbound),
      "--outbound-port", String(ports.outbound),
      "--admin-port", String(ports.admin),
      "--control-plane", this.cp.url,
      "--data-dir", dataDir,
      "--advertise-address", "127.0.0.1",
    ];
    const spawn = () => startTsProcess("apps/agent/src/main.ts", args, { LOG_LEVEL: "info", MESH_JOIN_TOKEN: this.cp.joinToken, ...options.env });
    const adminGet = (pathname: string) => fetch(`http://127.0.0.1:${ports.admin}${pathname}`);
    const instance: ServiceInstance = {
      service,
      version,
      ports,
      dataDir,
      agent: spawn(),
      setApp: (next) => (handler = next),
      server: upstream,
      adminGet,
      config: async () => (await (await adminGet("/config")).json()) as AgentConfigView,
      async stopAgent(signal = "SIGTERM") {
        if (signal === "SIGKILL") {
          instance.agent.child.kill("SIGKILL");
          await instance.agent.exited;
        } else {
          await instance.agent.stop(10_000);
        }
      },
      async restartAgent() {
        instance.agent = spawn();
        await waitUntilReady(instance);
      },
      async stopApp() {
        upstream.closeAllConnections();
        if (upstream.listening) await new Promise((resolve) => upstream.close(resolve));
      },
      async stop() {
        await instance.agent.stop(10_000);
        await instance.stopApp();
      },
    };
    this.instances.push(instance);
    await waitUntilReady(instance);
    return instance;
  }

  /** Waits until `caller`'s agent runs a config listing the given versions of `destination` with live endpoints. */
  async waitForEndpoints(caller: ServiceInstance, destination: string, versions: Record<string, number>, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const endpoints = (await caller.config()).snapshot?.destinations[destination]?.endpoints ?? [];
        return Object.entries(versions).every(([version, count]) => endpoints.filter((e) => e.version === version).length === count);
      },
      { timeoutMs, what: `${caller.service}'s agent to see ${JSON.stringify(versions)} endpoints of ${destination}` },
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.instances.map((instance) => instance.stop()));
    await this.cp.close().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function waitUntilReady(instance: ServiceInstance, timeoutMs = 120_000): Promise<void> {
  const outcome = await waitFor(
    async () => {
      // An agent that exited will never be ready: stop waiting at once (waitFor retries a probe that throws).
      if (instance.agent.child.exitCode !== null || instance.agent.child.signalCode !== null) return "exited";
      return (await instance.adminGet("/ready")).status === 200 ? "ready" : null;
    },
    { timeoutMs, intervalMs: 100, what: `${instance.service}/${instance.version} agent to be ready` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nagent output:\n${instance.agent.output().slice(-3000)}`);
  });
  if (outcome === "exited") {
    const { exitCode, signalCode } = instance.agent.child;
    throw new Error(`${instance.service}/${instance.version} agent exited (${signalCode ?? `code ${exitCode}`}) before it was ready; its output:\n${instance.agent.output().slice(-3000)}`);
  }
}

/** Waits until the agent runs config of at least `revision`. */
export async function waitForRevision(instance: ServiceInstance, revision: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => ((await instance.config()).revision ?? -1) >= revision, {
    timeoutMs,
    intervalMs: 20,
    what: `${instance.service}'s agent to apply revision ${revision}`,
  });
}

/** One request through an agent's outbound port, addressed to a mesh service by Host header. */
export function sendThrough(
  caller: ServiceInstance,
  destination: string,
  pathname = "/",
  { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ProxyResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: caller.ports.outbound, method, path: pathname, headers: { ...headers, host: destination }, agent: keepAlive },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
            durationMs: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends `count` requests, `concurrency` at a time, and returns every response. */
export async function sendMany(caller: ServiceInstance, destination: string, count: number, options: { path?: string; headers?: Record<string, string>; concurrency?: number } = {}) {
  const responses: ProxyResponse[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      responses.push(await sendThrough(caller, destination, options.path ?? "/", { headers: options.headers }));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return responses;
}

/** "200", or for anything else the status with the agent's own explanation, so a failed assertion says why. */
export function outcome(response: ProxyResponse): string {
  return response.status === 200 ? "200" : `${response.status} ${response.headers["x-mesh-error"] ?? ""} ${response.body.trim().slice(0, 200)}`;
}

/** "200 v2" for an answer from a v2 instance of the echo app, else the outcome. */
export function servedVersion(response: ProxyResponse): string {
  return response.status === 200 ? `200 ${response.json<{ version: string }>().version}` : outcome(response);
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 64 });

/** Requests from `caller` to `destination`, one after another until stopped; errors count as status 0. */
export function steadyTraffic(caller: ServiceInstance, destination: string, pathname: string) {
  const responses: ProxyResponse[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      responses.push(
        await sendThrough(caller, destination, pathname).catch(
          (error: Error): ProxyResponse => ({ status: 0, headers: {}, body: error.message, json: () => ({}) as never, durationMs: 0 }),
        ),
      );
    }
  })();
  return {
    responses,
    async stop() {
      running = false;
      await done;
      return responses;
    },
  };
}

/** The mesh certificate, key and CA an instance's agent holds (from its data dir): to call a listener as that service would. */
export async function credentialsOf(instance: ServiceInstance): Promise<TlsCredentials> {
  const stored = JSON.parse(await readFile(path.join(instance.dataDir, "credentials.json"), "utf8")) as Omit<TlsCredentials, "notAfter"> & { notAfter: string };
  return { ...stored, notAfter: new Date(stored.notAfter) };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/**
 * How far a count of successes in `n` independent trials with probability `p` may stray from n·p:
 * `sigmas` standard deviations of the binomial, √(n·p·(1−p)). Four sigmas: a false alarm about once
 * in 16,000 runs, yet a split or percentage a few points off fails.
 */
export function binomialBound(n: number, p: number, sigmas = 4): number {
  return sigmas * Math.sqrt(n * p * (1 - p));
}
