import path from "node:path";
import { freePorts } from "../../packages/testkit/src/ports.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";
import { createApiClient } from "../../apps/api/src/cli/api-client.ts";
import { AGENT_BUNDLE, AGENT_ENTRY, agentEnv, agentNodeArgs, bundleEntry, type AgentLaunch } from "../../scripts/lib/agent-bundle.ts";
import { startManagedProcess, startTsEntry, type ManagedProcess } from "../../scripts/lib/managed-process.ts";
import { BOOKINFO_INSTANCES, LOADGEN_INSTANCE, type DemoInstance } from "./topology.ts";

export interface BookinfoOptions {
  controlPlaneUrl: string;
  /** Mints one join token per service, each able to register only that service (no agent can join as another). */
  adminToken: string;
  /** Agents keep their cached config here; every process logs to <dataDir>/logs/. */
  dataDir: string;
  /** Requests per second the traffic generator sends to productpage (default 5; 0 = none). */
  rate?: number;
  /** How long to wait for every app and agent to be ready (default 120 s). */
  readyTimeoutMs?: number;
}

export interface RunningInstance extends DemoInstance {
  appPort: number;
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
}

export interface Bookinfo {
  instances: RunningInstance[];
  processes: ManagedProcess[];
  logDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the bookinfo apps, each behind its own agent, then the traffic generator once every agent
 * is ready. Rejects (after stopping what it started) naming the part that did not come up.
 */
export async function startBookinfo(options: BookinfoOptions): Promise<Bookinfo> {
  const logDir = path.join(options.dataDir, "logs");
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const processes: ManagedProcess[] = [];
  // The traffic generator first: while it sends, callers keep their keep-alive connections busy and each agent
  // would wait out its whole drain time; without it, the agents find their connections idle and stop at once.
  const stop = async (): Promise<void> => {
    const trafficSource = processes.find((p) => p.name === `${instanceName(LOADGEN_INSTANCE)} app`);
    await trafficSource?.stop();
    await Promise.all(processes.filter((p) => p !== trafficSource).map((p) => p.stop()));
  };

  try {
    // The agents run the bundle users run (no TypeScript loader in their processes), built from today's sources.
    await bundleEntry(AGENT_ENTRY, AGENT_BUNDLE);
    // One call for every port, so no two parts are handed the same one.
    const [loadgen, ...meshed] = (await withPorts([{ ...LOADGEN_INSTANCE, env: { RATE: String(options.rate ?? 5) } }, ...BOOKINFO_INSTANCES])) as [
      RunningInstance,
      ...RunningInstance[],
    ];
    const joinTokens = await mintJoinTokens(options, [...meshed, loadgen]);
    for (const instance of meshed) {
      processes.push(startApp(instance, logDir), startAgent(instance, options, joinTokens.get(instance.service)!, logDir));
    }
    processes.push(startAgent(loadgen, options, joinTokens.get(loadgen.service)!, logDir));
    await Promise.all([...meshed, loadgen].map((instance) => waitUntilReady(instance, processes, readyTimeoutMs)));
    // Traffic starts only once every agent on its path holds config and a certificate.
    processes.push(startApp(loadgen, logDir));
    await waitForHttp(`http://127.0.0.1:${loadgen.appPort}/healthz`, processFor(processes, loadgen, "app"), readyTimeoutMs);
    return { instances: [...meshed, loadgen], processes, logDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function withPorts(instances: readonly DemoInstance[]): Promise<RunningInstance[]> {
  const ports = await freePorts(instances.length * 4);
  return instances.map((instance, index) => {
    const [appPort, inboundPort, outboundPort, adminPort] = ports.slice(index * 4, index * 4 + 4) as [number, number, number, number];
    return { ...instance, appPort, inboundPort, outboundPort, adminPort };
  });
}

function instanceName(instance: DemoInstance): string {
  return `${instance.service}-${instance.version}`;
}

function startApp(instance: RunningInstance, logDir: string): ManagedProcess {
  return startTsEntry({
    name: `${instanceName(instance)} app`,
    entry: path.join("examples/bookinfo/apps", instance.app),
    env: { ...instance.env, PORT: String(instance.appPort), HTTP_PROXY: `http://127.0.0.1:${instance.outboundPort}`, NO_PROXY: "" },
    logFile: path.join(logDir, `${instanceName(instance)}.app.log`),
  });
}

/** A join token scoped to each service, minted with the admin token: the demo never hands an agent the bootstrap join token. */
async function mintJoinTokens(options: BookinfoOptions, instances: readonly DemoInstance[]): Promise<Map<string, string>> {
  const api = createApiClient(options.controlPlaneUrl, options.adminToken);
  const services = [...new Set(instances.map((instance) => instance.service))];
  const minted = await Promise.all(
    services.map((service) => api.tokens.createJoinToken.mutate({ service, description: "pnpm start demo", ttl: JOIN_TOKEN_TTL })),
  );
  return new Map(minted.map((token) => [token.service!, token.token]));
}

/** Long enough for any demo session; a later `pnpm start` mints fresh ones. */
const JOIN_TOKEN_TTL = "168h";

function startAgent(instance: RunningInstance, options: BookinfoOptions, joinToken: string, logDir: string): ManagedProcess {
  const launch: AgentLaunch = {
    service: instance.service,
    version: instance.version,
    ports: { app: instance.appPort, inbound: instance.inboundPort, outbound: instance.outboundPort, admin: instance.adminPort },
    controlPlaneUrl: options.controlPlaneUrl,
    joinToken,
    dataDir: path.join(options.dataDir, "agents", instanceName(instance)),
  };
  return startManagedProcess({
    name: `${instanceName(instance)} agent`,
    command: process.execPath,
    args: agentNodeArgs(launch),
    env: agentEnv(launch),
    logFile: path.join(logDir, `${instanceName(instance)}.agent.log`),
  });
}

function processFor(processes: ManagedProcess[], instance: DemoInstance, part: "app" | "agent"): ManagedProcess {
  return processes.find((p) => p.name === `${instanceName(instance)} ${part}`)!;
}

async function waitUntilReady(instance: RunningInstance, processes: ManagedProcess[], timeoutMs: number): Promise<void> {
  const agent = processFor(processes, instance, "agent");
  await waitForHttp(`http://127.0.0.1:${instance.adminPort}/ready`, agent, timeoutMs);
  const app = processes.find((p) => p.name === `${instanceName(instance)} app`);
  if (app) await waitForHttp(`http://127.0.0.1:${instance.appPort}/healthz`, app, timeoutMs);
}

/** Waits for a 200 from url, failing early, with the process's last output, if it exits first. */
async function waitForHttp(url: string, owner: ManagedProcess, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void owner.exited.then((code) => (exitCode = code));
  const failure = (why: string) => new Error(`${owner.name} did not become ready: ${why}\n--- ${owner.logFile} ---\n${owner.logTail()}`);
  const outcome = await waitFor(
    async () => {
      if (exitCode !== undefined) return "exited";
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return response.ok ? "ready" : null;
    },
    { timeoutMs, intervalMs: 200, what: `${owner.name} (${url})` },
  ).catch((error: Error) => {
    throw failure(error.message);
  });
  if (outcome === "exited") throw failure(`it exited with code ${exitCode}`);
}
