import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApiClient } from "../apps/api/src/cli/api-client.ts";
import { startControlPlane } from "../apps/api/src/server.ts";
import { DEFAULT_MESH_CONFIG } from "../packages/shared/src/resources.ts";
import { createTestDatabase } from "../packages/testkit/src/database.ts";
import { freePorts } from "../packages/testkit/src/ports.ts";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import { AGENT_BUNDLE, AGENT_ENTRY, agentEnv, agentNodeArgs, bundleEntry, type AgentLaunch } from "../scripts/lib/agent-bundle.ts";
import { startManagedProcess } from "../scripts/lib/managed-process.ts";

/** One pair of real agents: a caller's agent sending to an app's agent, which forwards to the app. */
export interface RealAgentPath {
  /** The caller agent's outbound port; send `headers` (the app agent's service as Host). */
  url: string;
  headers: string[];
  /** Caller's outbound port, then the app agent's inbound port. */
  agentPorts: [number, number];
}

export interface RealAgents {
  /** Agents as users start them: telemetry as the default MeshConfig sets it. */
  defaultTelemetry: RealAgentPath;
  /** The same topology, its agents started with `MESH_AGENT_TELEMETRY=off`: no spans, metric rollups or access log. */
  telemetryOff: RealAgentPath;
  close(): Promise<void>;
}

/** What the telemetry-off pair's agents get in their environment (apps/agent/src/start-agent.ts). */
export const TELEMETRY_OFF_ENV = { MESH_AGENT_TELEMETRY: "off" } as const;

/**
 * Two pairs of real agents as users run them (the `mesh-agent` bundle), registered with one real control plane on a
 * fresh database of the machine's PostgreSQL: certificates from its CA, config over the subscription. Once all four
 * run, a MeshConfig without a tracing setting is applied, so they run the default sampling (1% of new traces, failed
 * or slow hops always traced). The default pair ships its spans, metric rollups and access logs (access log lines go
 * to a file) as in production; the other pair, services `app-telemetry-off` and `caller-telemetry-off` on their own
 * ports, is started with `MESH_AGENT_TELEMETRY=off`. The control plane runs in this process and shares the cores
 * with everything else; the pair not being measured only heartbeats.
 */
export async function startRealAgents(appPort: number, profileDir?: string): Promise<RealAgents> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  };
  try {
    const database = await createTestDatabase("mesh_bench_agents");
    cleanups.unshift(() => database.drop());
    const work = await mkdtemp(path.join(tmpdir(), "mesh-bench-agents-"));
    cleanups.unshift(() => rm(work, { recursive: true, force: true }));
    const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir: path.join(work, "control-plane"), log: false });
    cleanups.unshift(() => controlPlane.close());
    await bundleEntry(AGENT_ENTRY, AGENT_BUNDLE);

    // Node writes the profile when the agent exits after its SIGTERM drain.
    const profiling = (service: string): string[] =>
      profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=real-${service}-${Date.now()}.cpuprofile`] : [];
    let exitedEarly: string | null = null;
    const startAgent = (service: string, ports: AgentLaunch["ports"], env: Record<string, string>): void => {
      const launch: AgentLaunch = {
        service,
        version: "v1",
        ports,
        controlPlaneUrl: controlPlane.url,
        joinToken: controlPlane.joinToken,
        dataDir: path.join(work, service),
        advertiseAddress: "127.0.0.1",
      };
      const agent = startManagedProcess({
        name: `${service} agent`,
        command: process.execPath,
        args: [...profiling(service), ...agentNodeArgs(launch)],
        env: { LOG_LEVEL: "warn", ...env, ...agentEnv(launch) },
        logFile: path.join(work, `${service}.log`),
      });
      cleanups.unshift(() => agent.stop(5000));
      void agent.exited.then((code) => (exitedEarly ??= `${agent.name} exited with ${code}:\n${agent.logTail()}`));
    };

    interface Pair {
      path: RealAgentPath;
      appService: string;
      adminPorts: [number, number];
    }
    const startPair = async (suffix: string, env: Record<string, string>): Promise<Pair> => {
      const [callerApp, callerInbound, callerOutbound, callerAdmin, appInbound, appOutbound, appAdmin] = (await freePorts(7)) as [number, number, number, number, number, number, number];
      const appService = `app${suffix}`;
      startAgent(appService, { app: appPort, inbound: appInbound, outbound: appOutbound, admin: appAdmin }, env);
      startAgent(`caller${suffix}`, { app: callerApp, inbound: callerInbound, outbound: callerOutbound, admin: callerAdmin }, env);
      return {
        path: { url: `http://127.0.0.1:${callerOutbound}/ratings/1`, headers: [`Host: ${appService}`], agentPorts: [callerOutbound, appInbound] },
        appService,
        adminPorts: [callerAdmin, appAdmin],
      };
    };
    const defaultPair = await startPair("", {});
    const offPair = await startPair("-telemetry-off", { ...TELEMETRY_OFF_ENV });
    const pairs = [defaultPair, offPair];

    type AgentConfig = {
      snapshot?: { revision?: number; meshConfig?: { tracing?: { sampling?: number } }; destinations?: Record<string, { endpoints: unknown[] }> };
    } | null;
    const configOf = (adminPort: number) => fetch(`http://127.0.0.1:${adminPort}/config`).then((r) => r.json() as Promise<AgentConfig>, () => null);
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(exitedEarly);
        for (const { appService, adminPorts: [callerAdmin, appAdmin] } of pairs) {
          const config = await configOf(callerAdmin);
          const ready = await fetch(`http://127.0.0.1:${appAdmin}/ready`).then((r) => r.ok, () => false);
          if (!ready || (config?.snapshot?.destinations?.[appService]?.endpoints.length ?? 0) === 0) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, what: "all four agents to register and each caller to know its app's instance" },
    );

    // The default MeshConfig: no tracing setting, so the schema's default sampling applies.
    const admin = createApiClient(controlPlane.url, controlPlane.adminToken);
    const { revision } = await admin.resources.applyDocuments.mutate({
      documents: [{ apiVersion: "mesh/v1", kind: "MeshConfig", metadata: { name: "default" }, spec: {} }],
    });
    const defaultSampling = DEFAULT_MESH_CONFIG.tracing.sampling;
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(exitedEarly);
        for (const adminPort of pairs.flatMap((p) => p.adminPorts)) {
          const config = await configOf(adminPort);
          if ((config?.snapshot?.revision ?? -1) < (revision ?? 0) || config?.snapshot?.meshConfig?.tracing?.sampling !== defaultSampling) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, what: `all four agents to run the default MeshConfig (tracing sampling ${defaultSampling})` },
    );
    return { defaultTelemetry: defaultPair.path, telemetryOff: offPair.path, close };
  } catch (error) {
    await close();
    throw error;
  }
}
