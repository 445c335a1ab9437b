import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_MESH_CONFIG, type AgentSnapshot } from "../packages/shared/src/index.ts";
import { freePorts } from "../packages/testkit/src/ports.ts";
import { REPO_ROOT, startNodeProcess, startTsProcess, type RunningProcess } from "../packages/testkit/src/processes.ts";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import { createTestPki } from "../apps/agent/test/support/test-pki.ts";
import { AGENT_NODE_FLAGS, bundleEntry } from "../scripts/lib/agent-bundle.ts";
import type { BenchAgentOptions } from "./data-path-agent.ts";
import { startPlainNginx, type RunningNginx } from "./nginx.ts";

const exec = promisify(execFile);

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
  /** Of `errors`, the responses with a status outside 2xx/3xx. */
  non2xx: number;
}

export interface DataPathCase {
  name: string;
  url: string;
  headers: string[];
}

export interface DataPathTopology {
  cases: DataPathCase[];
  /** The nginx of the "nginx" case, for its workers' CPU. */
  nginx: RunningNginx;
  close(): Promise<void>;
}

/**
 * The request paths the data-plane benchmark (bench/data-plane.ts) measures: the app directly, nginx (1 worker,
 * keep-alive upstream), one agent (its inbound port, plaintext in permissive mode) and two agents (caller's outbound
 * → mTLS → server's inbound), each agent the real startDataPlane in its own process (bench/data-path-agent.ts) with
 * config and certificates handed in directly instead of from a control plane. `profileDir` makes each agent write a
 * CPU profile there when it stops.
 */
export async function startDataPathTopology(profileDir?: string): Promise<DataPathTopology> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  };
  try {
    const [appPort, nginxPort, callerInbound, callerOutbound, serverInbound, serverOutbound] = await freePorts(6);
    const work = await mkdtemp(path.join(tmpdir(), "mesh-bench-data-path-"));
    cleanups.unshift(() => rm(work, { recursive: true, force: true }));

    const app = await startReady("the app", startTsProcess("bench/data-path-upstream.ts", [String(appPort)]));
    cleanups.unshift(() => app.stop(2000));
    const nginx = await startPlainNginx(path.join(work, "nginx"), nginxPort!, appPort!);
    cleanups.unshift(() => nginx.stop());

    const pki = await createTestPki();
    const endpoint = { instanceId: "00000000-0000-4000-8000-000000000001", version: "v1", address: "127.0.0.1", port: serverInbound! };
    const snapshotOf = (service: string): AgentSnapshot => ({
      revision: 1,
      service,
      trustDomain: pki.trustDomain,
      // Permissive so the one-agent case can send plaintext to the inbound port; the two-agent case uses mTLS.
      // No allow policy (defaultAccess allow): a plaintext caller has no identity for one to match.
      meshConfig: { ...DEFAULT_MESH_CONFIG, mtls: "permissive" },
      inbound: { accessPolicies: [], rateLimit: null },
      destinations: { app: { trafficPolicy: null, endpoints: [endpoint] } },
    });
    const agentOptions = async (service: string, inboundPort: number, outboundPort: number): Promise<BenchAgentOptions> => {
      const credentials = await pki.issue(service);
      return {
        service,
        version: "v1",
        appPort: appPort!,
        inboundPort,
        outboundPort,
        credentials: { ...credentials, notAfter: credentials.notAfter.toISOString() },
        snapshot: snapshotOf(service),
      };
    };
    const env = profileDir ? { MESH_BENCH_PROFILE_DIR: profileDir } : {};
    if (profileDir) await mkdir(profileDir, { recursive: true });
    // Agents run as users run them: bundled (no TypeScript loader in the process) with the agent's Node flags.
    const agentBundle = path.join(work, "data-path-agent.mjs");
    await bundleEntry(path.join(REPO_ROOT, "bench/data-path-agent.ts"), agentBundle);
    const startAgent = async (options: BenchAgentOptions) => startReady(`agent ${options.service}`, startNodeProcess([...AGENT_NODE_FLAGS, agentBundle, JSON.stringify(options)], env));
    const server = await startAgent(await agentOptions("app", serverInbound!, serverOutbound!));
    cleanups.unshift(() => server.stop(5000));
    const caller = await startAgent(await agentOptions("caller", callerInbound!, callerOutbound!));
    cleanups.unshift(() => caller.stop(5000));
    return {
      cases: [
        { name: "direct to app", url: `http://127.0.0.1:${appPort}/ratings/1`, headers: [] },
        { name: "nginx (1 worker, keep-alive upstream)", url: `http://127.0.0.1:${nginxPort}/ratings/1`, headers: [] },
        { name: "one agent (inbound, plaintext)", url: `http://127.0.0.1:${serverInbound}/ratings/1`, headers: [] },
        { name: "two agents (outbound → mTLS → inbound)", url: `http://127.0.0.1:${callerOutbound}/ratings/1`, headers: ["Host: app"] },
      ],
      nginx,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function startReady(entry: string, child: RunningProcess): Promise<RunningProcess> {
  try {
    await waitFor(
      () => {
        if (child.child.exitCode !== null) throw new Error(`${entry} exited: ${child.output().slice(-1000)}`);
        return child.output().includes("READY");
      },
      { timeoutMs: 30_000, what: `${entry} to start` },
    );
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
  return child;
}

export async function wrk(url: string, headers: string[], connections: number, durationS: number): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${durationS}s`, "--latency", ...headers.flatMap((h) => ["-H", h]), url];
  const { stdout } = await exec("wrk", args, { timeout: (durationS + 30) * 1000 });
  return parseWrk(stdout);
}

/** Reads requests/s, the 50th/99th latency percentiles and error counts from wrk's --latency report. */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!rps) throw new Error(`wrk printed no Requests/sec:\n${output}`);
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
    if (!match) return Number.NaN;
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as "us" | "ms" | "s"];
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  const requests = /(\d+) requests in/.exec(output);
  return {
    requests: Number(requests?.[1] ?? Number.NaN),
    requestsPerSecond: Number(rps[1]),
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    errors,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}
