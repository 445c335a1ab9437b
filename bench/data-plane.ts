import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../packages/testkit/src/ports.ts";
import { startDataPathTopology, wrk, type DataPathTopology, type WrkResult } from "./data-path.ts";
import { startHaproxy } from "./haproxy.ts";
import { runOpenLoop, type OpenLoopResult } from "./open-loop.ts";
import { startRealAgentPath, type RealAgentPath } from "./real-agents.ts";
import { cpuSeconds, memoryUse, pidListeningOn, type MemoryUse } from "./process-stats.ts";
import { formatMs, formatNumber, type BenchSection, type Figure } from "./section.ts";

export interface DataPlaneOptions {
  /** wrk's fixed concurrency for the maximum-throughput runs. */
  connections: number;
  wrkDurationS: number;
  wrkWarmupS: number;
  openLoopRatePerSecond: number;
  openLoopDurationMs: number;
  openLoopWarmupMs: number;
  profileDir?: string;
}

export const DATA_PLANE_DEFAULTS: DataPlaneOptions = {
  connections: 32,
  wrkDurationS: 5,
  wrkWarmupS: 1,
  openLoopRatePerSecond: 1000,
  openLoopDurationMs: 5000,
  openLoopWarmupMs: 1000,
};

const TITLE = "Data plane";
const REAL_AGENTS = "two real agents (mesh-agent with control plane and telemetry)";
/** A path answering less than this share of the offered rate within the window fell behind: its latencies grew all along. */
const OVERLOADED_BELOW = 0.95;
const TARGETS = { oneAgentVsNginx: 1.0, addedP50Ms: 0.5, addedP99Ms: 2, cpuSecondsPer1000: 0.2, peakRssMB: 60 };

interface PathCase {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Ports whose listening processes are agents (their CPU and memory are measured). */
  agentPorts: number[];
}

interface PathResult {
  path: PathCase;
  wrk: WrkResult;
  openLoop: OpenLoopResult;
  /** Per agent on the path: CPU seconds per 1000 requests during the open-loop run. */
  agentCpuPer1000: number[];
}

/**
 * Item 1 of the suite. The topology (app, nginx, agents in their own processes) is bench/data-path.ts's; this adds
 * HAProxy, the open-loop latency at a fixed rate, the agents' CPU and memory, and the targets.
 */
export async function benchDataPlane(options: DataPlaneOptions = DATA_PLANE_DEFAULTS): Promise<BenchSection> {
  const missing = [];
  for (const command of ["wrk", "nginx", "haproxy"]) if (!(await onPath(command))) missing.push(command);
  if (missing.length > 0) throw new Error(`the data-plane benchmark needs ${missing.join(", ")} on the PATH (Debian: apt-get install wrk nginx haproxy)`);
  const work = await mkdtemp(path.join(tmpdir(), "mesh-bench-data-plane-"));
  let topology: DataPathTopology | undefined;
  let haproxy: { stop(): Promise<void> } | undefined;
  let realAgents: RealAgentPath | undefined;
  try {
    topology = await startDataPathTopology(options.profileDir);
    const byName = (prefix: string) => {
      const found = topology!.cases.find((c) => c.name.startsWith(prefix));
      if (!found) throw new Error(`bench/data-path.ts has no "${prefix}…" case (it has: ${topology!.cases.map((c) => c.name).join(", ")})`);
      return found;
    };
    const direct = byName("direct");
    const appPort = Number(new URL(direct.url).port);
    const haproxyPort = await freePort();
    haproxy = await startHaproxy(work, haproxyPort, appPort);
    const haproxyUrl = new URL(direct.url);
    haproxyUrl.port = String(haproxyPort);
    realAgents = await startRealAgentPath(appPort, options.profileDir);

    const oneAgent = byName("one agent");
    const twoAgents = byName("two agents");
    const serverAgentPort = Number(new URL(oneAgent.url).port);
    const paths: PathCase[] = [
      { ...pathCase(direct), agentPorts: [] },
      { ...pathCase(byName("nginx")), agentPorts: [] },
      { name: "haproxy (1 thread, keep-alive upstream)", url: haproxyUrl.toString(), headers: {}, agentPorts: [] },
      { ...pathCase(oneAgent), agentPorts: [serverAgentPort] },
      { ...pathCase(twoAgents), agentPorts: [Number(new URL(twoAgents.url).port), serverAgentPort] },
      { ...pathCase({ name: REAL_AGENTS, ...realAgents }), agentPorts: realAgents.agentPorts },
    ];
    const agentPids = new Map<number, number>();
    for (const port of new Set(paths.flatMap((p) => p.agentPorts))) agentPids.set(port, await pidListeningOn(port));

    const results: PathResult[] = [];
    for (const p of paths) results.push(await measurePath(p, options, agentPids));
    const memory = new Map<number, MemoryUse>();
    for (const [port, pid] of agentPids) memory.set(port, await memoryUse(pid));
    return section(results, memory, options);
  } finally {
    await haproxy?.stop();
    await realAgents?.close();
    await topology?.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (await access(path.join(dir, command), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

function pathCase(c: { name: string; url: string; headers: string[] }): Omit<PathCase, "agentPorts"> {
  const headers = Object.fromEntries(c.headers.map((h) => [h.slice(0, h.indexOf(":")).trim(), h.slice(h.indexOf(":") + 1).trim()]));
  return { name: c.name, url: c.url, headers };
}

async function measurePath(p: PathCase, options: DataPlaneOptions, agentPids: Map<number, number>): Promise<PathResult> {
  const wrkHeaders = Object.entries(p.headers).map(([name, value]) => `${name}: ${value}`);
  await wrk(p.url, wrkHeaders, options.connections, options.wrkWarmupS);
  const closedLoop = await wrk(p.url, wrkHeaders, options.connections, options.wrkDurationS);

  const pids = p.agentPorts.map((port) => agentPids.get(port)!);
  const cpuBefore = await Promise.all(pids.map(cpuSeconds));
  const openLoop = await runOpenLoop({
    url: p.url,
    headers: p.headers,
    ratePerSecond: options.openLoopRatePerSecond,
    durationMs: options.openLoopDurationMs,
    warmupMs: options.openLoopWarmupMs,
    connections: options.connections,
    timeoutMs: 10_000,
  });
  const cpuAfter = await Promise.all(pids.map(cpuSeconds));
  // Every request sent, warm-up included, since the CPU counters ran through all of them.
  const requests = (options.openLoopRatePerSecond * (options.openLoopDurationMs + options.openLoopWarmupMs)) / 1000;
  return { path: p, wrk: closedLoop, openLoop, agentCpuPer1000: pids.map((_, i) => ((cpuAfter[i]! - cpuBefore[i]!) / requests) * 1000) };
}

function section(results: PathResult[], memory: Map<number, MemoryUse>, options: DataPlaneOptions): BenchSection {
  const [direct, nginx, , oneAgent, twoAgents, realAgents] = results as [PathResult, PathResult, PathResult, PathResult, PathResult, PathResult];
  const rate = formatNumber(options.openLoopRatePerSecond);
  const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;
  const figures: Figure[] = [];
  for (const r of results) {
    const failed = r.wrk.errors + r.openLoop.errors + r.openLoop.non2xx;
    figures.push({
      metric: `${r.path.name}: max req/s (wrk -c${options.connections})`,
      value: `${formatNumber(r.wrk.requestsPerSecond)} (${ratio(r.wrk.requestsPerSecond, direct.wrk.requestsPerSecond)} direct, ${ratio(r.wrk.requestsPerSecond, nginx.wrk.requestsPerSecond)} nginx)`,
    });
    const l = r.openLoop.latencyMs;
    const overloaded = r.openLoop.achievedRatePerSecond < OVERLOADED_BELOW * options.openLoopRatePerSecond;
    figures.push({
      metric: `${r.path.name}: p50 / p90 / p99 at ${rate} req/s`,
      value:
        `${formatMs(l.p50)} / ${formatMs(l.p90)} / ${formatMs(l.p99)}${failed ? ` (${failed} failed)` : ""}` +
        (overloaded ? ` (OVERLOADED: answered only ${formatNumber(r.openLoop.achievedRatePerSecond)} req/s)` : ""),
    });
  }
  const vsNginx = oneAgent.wrk.requestsPerSecond / nginx.wrk.requestsPerSecond;
  const mb = (bytes: number) => bytes / 1e6;
  const addedLatency = (label: string, r: PathResult): Figure[] => {
    const addedP50 = r.openLoop.latencyMs.p50 - direct.openLoop.latencyMs.p50;
    const addedP99 = r.openLoop.latencyMs.p99 - direct.openLoop.latencyMs.p99;
    return [
      { metric: `${label}: added p50 at ${rate} req/s`, value: `+${formatMs(addedP50)}`, target: `≤ ${TARGETS.addedP50Ms} ms`, met: addedP50 <= TARGETS.addedP50Ms },
      { metric: `${label}: added p99 at ${rate} req/s`, value: `+${formatMs(addedP99)}`, target: `≤ ${TARGETS.addedP99Ms} ms`, met: addedP99 <= TARGETS.addedP99Ms },
    ];
  };
  const cpuFigure = (label: string, cpu: number[]): Figure => ({
    metric: `${label}: agent CPU s per 1000 requests`,
    value: cpu.map((seconds) => seconds.toFixed(3)).join("; "),
    target: `≤ ${TARGETS.cpuSecondsPer1000}`,
    met: Math.max(...cpu) <= TARGETS.cpuSecondsPer1000,
  });
  // Caller first, then the server agent (in the data-plane-only case, it also served the one-agent runs).
  const memoryFigures = (label: string, r: PathResult): Figure[] => {
    const use = r.path.agentPorts.map((port) => memory.get(port)!);
    return [
      {
        metric: `${label}: agent peak RSS (VmHWM; caller, server)`,
        value: use.map((u) => `${mb(u.peakRssBytes).toFixed(1)} MB`).join("; "),
        target: `≤ ${TARGETS.peakRssMB} MB`,
        met: Math.max(...use.map((u) => mb(u.peakRssBytes))) <= TARGETS.peakRssMB,
      },
      { metric: `${label}: of which private to the agent (VmHWM − RssFile)`, value: use.map((u) => `${mb(u.peakRssBytes - u.fileBackedBytes).toFixed(1)} MB`).join("; ") },
    ];
  };
  figures.push(
    { metric: "one agent: throughput vs nginx", value: `${vsNginx.toFixed(2)}×`, target: `≥ ${TARGETS.oneAgentVsNginx.toFixed(1)}×`, met: vsNginx >= TARGETS.oneAgentVsNginx },
    ...addedLatency("two agents (mTLS)", twoAgents),
    ...addedLatency("two real agents", realAgents),
    cpuFigure("data plane only (one agent; two agents: caller, server)", [oneAgent.agentCpuPer1000[0]!, ...twoAgents.agentCpuPer1000]),
    cpuFigure("two real agents (caller, server)", realAgents.agentCpuPer1000),
    ...memoryFigures("data plane only", twoAgents),
    ...memoryFigures("two real agents", realAgents),
  );
  return {
    title: TITLE,
    method: [
      "- App: a minimal Node http server answering a 40-byte JSON body (bench/data-path-upstream.ts). Data-plane-only agents: the real `startDataPlane` (apps/agent/src/data-plane.ts), each in its own Node process, given config and certificates (ECDSA P-256) directly instead of from a control plane, with no telemetry (bench/data-path.ts, bench/data-path-agent.ts).",
      "- Real agents: the `mesh-agent` program users run, registered with a control plane (in the benchmark's process, on a fresh database of the machine's PostgreSQL): certificates from its CA, config over the subscription, and every request traced (the default sampling, 100%), counted in metric rollups and access-logged (to a file), all shipped to the control plane as in production (bench/real-agents.ts). The control plane's ingestion shares the cores with the agents.",
      "- Paths: direct to the app; nginx (1 worker, keep-alive upstream); HAProxy (1 thread, keep-alive, http-reuse always); one agent (its inbound port, plaintext, permissive mode); two agents (caller's outbound with `Host: app` → mTLS between agents → app agent's inbound → app); the same two-agent path through real agents.",
      `- Maximum throughput: wrk -t1 -c${options.connections} -d${options.wrkDurationS}s after a ${options.wrkWarmupS} s warm-up (closed loop).`,
      `- Latency: an open-loop generator (bench/open-loop.ts) in its own process sends ${rate} req/s at fixed, pre-computed times over a keep-alive pool of ${options.connections} connections, whatever the responses do, and measures each latency from the request's SCHEDULED send time (no coordinated omission); ${options.openLoopWarmupMs / 1000} s warm-up, then ${options.openLoopDurationMs / 1000} s measured. Its timer resolution adds up to ~1 ms to every path alike; "added" figures subtract the direct path.`,
      "- Agent CPU: utime + stime from /proc/<pid>/stat before and after the open-loop run, divided by the requests sent. Peak RSS: VmHWM from /proc/<pid>/status after all runs (the agents serve every run). Part of it is RssFile, pages of files mapped into the process, nearly all of them the Node executable's code, which every Node process on the host shares; VmHWM − RssFile is the agent's own memory.",
      "- Agents run as users run them: bundled into one file by esbuild (scripts/lib/agent-bundle.ts), no TypeScript loader in the process, with the agent's Node flags (`--max-semi-space-size=2`).",
      "- Everything (load generators, proxies, agents, app) shares the machine's cores.",
    ],
    figures,
  };
}
