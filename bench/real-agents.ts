import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApiClient } from "../apps/api/src/cli/api-client.ts";
import { startControlPlane } from "../apps/api/src/server.ts";
import { createTestDatabase } from "../packages/testkit/src/database.ts";
import { freePorts } from "../packages/testkit/src/ports.ts";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import { AGENT_BUNDLE, AGENT_ENTRY, agentEnv, agentNodeArgs, bundleEntry, type AgentLaunch } from "../scripts/lib/agent-bundle.ts";
import { startManagedProcess, type ManagedProcess } from "../scripts/lib/managed-process.ts";

export interface RealAgentPath {
  /** The caller agent's outbound port; send `Host: app`. */
  url: string;
  headers: string[];
  /** Caller's outbound port, then the app agent's inbound port. */
  agentPorts: [number, number];
  /**
   * Applies a MeshConfig with this tracing sampling ratio (the only telemetry setting the agent takes) and waits
   * until both agents run it.
   */
  setTracingSampling(ratio: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two real agents as users run them (the `mesh-agent` bundle), registered with a real control plane on a fresh
 * database of the machine's PostgreSQL: certificates from its CA, config over the subscription, and every request's
 * span (default sampling, 100%), metric rollup and access log line (to a file) shipped as in production. The control
 * plane runs in this process and shares the cores with everything else.
 */
export async function startRealAgentPath(appPort: number, profileDir?: string): Promise<RealAgentPath> {
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

    const [callerApp, callerInbound, callerOutbound, callerAdmin, appInbound, appOutbound, appAdmin] = (await freePorts(7)) as [number, number, number, number, number, number, number];
    // Node writes the profile when the agent exits after its SIGTERM drain.
    const profiling = (service: string): string[] =>
      profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=real-${service}-${Date.now()}.cpuprofile`] : [];
    const startAgent = (service: string, ports: AgentLaunch["ports"]): ManagedProcess => {
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
        env: { LOG_LEVEL: "warn", ...agentEnv(launch) },
        logFile: path.join(work, `${service}.log`),
      });
      cleanups.unshift(() => agent.stop(5000));
      return agent;
    };
    const app = startAgent("app", { app: appPort, inbound: appInbound, outbound: appOutbound, admin: appAdmin });
    const caller = startAgent("caller", { app: callerApp, inbound: callerInbound, outbound: callerOutbound, admin: callerAdmin });
    let exitedEarly: string | null = null;
    for (const agent of [app, caller]) void agent.exited.then((code) => (exitedEarly ??= `${agent.name} exited with ${code}:\n${agent.logTail()}`));
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(exitedEarly);
        const config = (await fetch(`http://127.0.0.1:${callerAdmin}/config`).then((r) => r.json(), () => null)) as { snapshot?: { destinations?: Record<string, { endpoints: unknown[] }> } } | null;
        const ready = await fetch(`http://127.0.0.1:${appAdmin}/ready`).then((r) => r.ok, () => false);
        return ready && (config?.snapshot?.destinations?.app?.endpoints.length ?? 0) > 0;
      },
      { timeoutMs: 60_000, what: "both agents to register and the caller to know the app's instance" },
    );
    const admin = createApiClient(controlPlane.url, controlPlane.adminToken);
    const setTracingSampling = async (ratio: number): Promise<void> => {
      const { revision } = await admin.resources.applyDocuments.mutate({
        documents: [{ apiVersion: "mesh/v1", kind: "MeshConfig", metadata: { name: "default" }, spec: { tracing: { sampling: ratio } } }],
      });
      const runs = async (adminPort: number) => {
        const config = (await fetch(`http://127.0.0.1:${adminPort}/config`).then((r) => r.json(), () => null)) as {
          snapshot?: { revision?: number; meshConfig?: { tracing?: { sampling?: number } } };
        } | null;
        return (config?.snapshot?.revision ?? -1) >= (revision ?? 0) && config?.snapshot?.meshConfig?.tracing?.sampling === ratio;
      };
      await waitFor(
        async () => {
          if (exitedEarly) throw new Error(exitedEarly);
          return (await runs(callerAdmin)) && (await runs(appAdmin));
        },
        { timeoutMs: 30_000, what: `both agents to run tracing sampling ${ratio}` },
      );
    };
    return { url: `http://127.0.0.1:${callerOutbound}/ratings/1`, headers: ["Host: app"], agentPorts: [callerOutbound, appInbound], setTracingSampling, close };
  } catch (error) {
    await close();
    throw error;
  }
}
