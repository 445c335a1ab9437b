import { execFile } from "node:child_process";
import { request, type IncomingHttpHeaders } from "node:http";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "@mesh/api/router";
import { createTestNetwork, startTsProcess, waitFor, type RunningProcess, type TestHost, type TestNetwork } from "@mesh/testkit";

const HERE = "apps/agent/test/multihost";

/** Agent ports; each host is its own network namespace, so fixed ports never collide with the machine's. */
export interface AgentPorts {
  app: number;
  inbound: number;
  outbound: number;
  admin: number;
}
export const DEFAULT_AGENT_PORTS: AgentPorts = { app: 8080, inbound: 15006, outbound: 15001, admin: 15000 };

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  durationMs: number;
}

/**
 * One HTTP request through a relay's Unix socket, i.e. made from inside the relay's host. A connection
 * per request: a pooled one can be closed by the server's keep-alive timeout just as it is reused.
 */
export function httpVia(
  socketPath: string,
  pathname: string,
  { method = "GET", headers = {}, body, timeoutMs = 5000 }: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: pathname, method, headers, agent: false, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, durationMs: performance.now() - started }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** `fetch` over a relay's Unix socket, for clients (tRPC) that take a fetch function. */
export function fetchVia(socketPath: string) {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const reply = await httpVia(socketPath, url.pathname + url.search, { method: init.method ?? "GET", headers, body: init.body as string | undefined });
    const replyHeaders = Object.entries(reply.headers).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : value === undefined ? [] : [[name, value]]));
    return new Response(reply.body, { status: reply.status, headers: replyHeaders as [string, string][] });
  };
}

/**
 * Hosts as network namespaces (packages/testkit createTestNetwork), the processes started on them,
 * and Unix-socket relays that let the test, outside every namespace, talk to addresses inside one.
 */
export class TestHosts {
  private readonly processes: RunningProcess[] = [];

  private constructor(
    readonly network: TestNetwork,
    readonly root: string,
  ) {}

  static async create(count: number): Promise<TestHosts> {
    const network = await createTestNetwork(count);
    const root = await mkdtemp(path.join(tmpdir(), "mesh-multihost-"));
    // The embedded PostgreSQL runs as its own user, which must be able to reach its data dir.
    await chmod(root, 0o755);
    return new TestHosts(network, root);
  }

  get hosts(): TestHost[] {
    return this.network.hosts;
  }

  /** A TypeScript entry of this repo run on `host`; stopped by close(). */
  run(host: TestHost, entry: string, args: string[], env: Record<string, string | undefined> = {}): RunningProcess {
    const running = startTsProcess(entry, args, env, { netns: host.ns });
    this.processes.push(running);
    return running;
  }

  /** Waits for `match` to find something in the process's output; fails at once, with the output, if it exits first. */
  async waitForOutput<T>(running: RunningProcess, match: (output: string) => T | null | undefined, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
    return untilExit(running, what, waitFor(() => match(running.output()), { timeoutMs, intervalMs: 100, what }));
  }

  /** Starts a relay on `host` for `targets` ("address:port") and returns each target's socket path. */
  async relay(host: TestHost, targets: string[]): Promise<(target: string) => string> {
    const dir = await mkdtemp(path.join(this.root, "relay-"));
    const running = this.run(host, `${HERE}/unix-relay.ts`, [dir, ...targets]);
    await this.waitForOutput(running, (output) => output.includes("relay ready"), `the relay on ${host.address}`);
    return (target) => {
      if (!targets.includes(target)) throw new Error(`the relay on ${host.address} does not forward ${target}`);
      return path.join(dir, `${target.replace(":", "_")}.sock`);
    };
  }

  /** An app answering its host's address, on 127.0.0.1:port of `host`. */
  async echoApp(host: TestHost, port: number): Promise<void> {
    const running = this.run(host, `${HERE}/echo-app.ts`, [host.address, String(port)]);
    await this.waitForOutput(running, (output) => output.includes("listening"), `the app on ${host.address}:${port}`);
  }

  /**
   * Starts `mesh server` on `host`, on all interfaces, with no DATABASE_URL (so on the embedded PostgreSQL
   * in its data dir) and bootstrap tokens chosen here, so agents can be started while it comes up.
   */
  async controlPlane(host: TestHost, port = 4000): Promise<{ url: string; adminToken: string; joinToken: string; listening: Promise<unknown> }> {
    const dataDir = path.join(this.root, "control-plane");
    await mkdir(dataDir, { mode: 0o755 });
    const adminToken = `mesh_op_${randomBytes(24).toString("base64url")}`;
    const joinToken = `mesh_join_${randomBytes(24).toString("base64url")}`;
    const running = this.run(host, "apps/api/src/cli/main.ts", ["server", "--port", String(port), "--host", "0.0.0.0", "--data-dir", dataDir], {
      DATABASE_URL: "",
      MESH_ADMIN_TOKEN: adminToken,
      MESH_JOIN_TOKEN: joinToken,
    });
    const listening = this.waitForOutput(running, (output) => output.includes("control plane listening"), `the control plane on ${host.address}`, 120_000);
    return { url: `http://${host.address}:${port}`, adminToken, joinToken, listening };
  }

  /** A mesh-agent on `host`; `advertise: false` leaves the address to the agent's default, a string advertises that address. */
  agent(
    host: TestHost,
    options: { service: string; version: string; ports: AgentPorts; controlPlane: string; joinToken: string; advertise: boolean | string },
  ): RunningProcess {
    const { service, version, ports } = options;
    return this.run(host, "apps/agent/src/main.ts", [
      "--service", service,
      "--version", version,
      "--app-port", String(ports.app),
      "--inbound-port", String(ports.inbound),
      "--outbound-port", String(ports.outbound),
      "--admin-port", String(ports.admin),
      "--control-plane", options.controlPlane,
      "--data-dir", path.join(this.root, `agent-${service}-${host.address}-${ports.inbound}`),
      ...(options.advertise ? ["--advertise-address", typeof options.advertise === "string" ? options.advertise : host.address] : []),
    ], { MESH_JOIN_TOKEN: options.joinToken });
  }

  /** Ends every process (SIGTERM, then SIGKILL), removes the namespaces and the temp files; safe after a failed start. */
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.setLink(true).catch(() => undefined)));
    await Promise.allSettled(this.processes.map((running) => running.stop(3000)));
    await this.network.destroy();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** While `drop`, new TCP connections to `port` on `host` get no answer (their SYNs are dropped), as a host too busy to accept would seem. */
export async function dropNewConnections(host: TestHost, port: number, drop: boolean): Promise<void> {
  const rule = ["INPUT", "-p", "tcp", "--dport", String(port), "--syn", "-j", "DROP"];
  await promisify(execFile)("ip", ["netns", "exec", host.ns, "iptables", drop ? "-I" : "-D", ...rule]);
}

/** `waiting`, unless the process exits first: then an error with the end of its output. */
export async function untilExit<T>(running: RunningProcess, what: string, waiting: Promise<T>): Promise<T> {
  const exited = running.exited.then((code) => {
    throw new Error(`gave up waiting for ${what}: the process exited with ${code}`);
  });
  return Promise.race([waiting, exited]).catch((error: Error) => {
    throw new Error(`${error.message}\noutput:\n${running.output().slice(-3000)}`);
  });
}

/** An operator's tRPC client for a control plane reached through `socketPath`. */
export function operatorVia(socketPath: string, url: string, adminToken: string) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${adminToken}` }, fetch: fetchVia(socketPath) })],
  });
}
