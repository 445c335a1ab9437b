import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_MESH_CONFIG } from "../packages/shared/src/resources.ts";
import { freePorts } from "../packages/testkit/src/ports.ts";
import { startDataPathTopology, wrk, type DataPathTopology, type WrkResult } from "./data-path.ts";
import { startHaproxy } from "./haproxy.ts";
import { startNginxMtlsPair, type NginxMtlsPair, type RunningNginx } from "./nginx.ts";
import { runOpenLoop, type OpenLoopResult } from "./open-loop.ts";
import { startRealAgents, type RealAgents } from "./real-agents.ts";
import { cpuSeconds, memoryUse, pidListeningOn, type MemoryUse } from "./process-stats.ts";
import { formatMs, formatNumber, type BenchSection, type Figure } from "./section.ts";

export interface DataPlaneOptions {
  /** wrk's fixed concurrency for the maximum-throughput runs (wrk -t1 -c<connections>). */
  connections: number;
  wrkDurationS: number;
  wrkWarmupS: number;
  openLoopRatePerSecond: number;
  openLoopDurationMs: number;
  openLoopWarmupMs: number;
  /** The open-loop generator's keep-alive pool: enough that requests never queue for a connection at the offered rate. */
  openLoopConnections: number;
  profileDir?: string;
}

export const DATA_PLANE_DEFAULTS: DataPlaneOptions = {
  connections: 16,
  wrkDurationS: 5,
  wrkWarmupS: 1,
  openLoopRatePerSecond: 1000,
  openLoopDurationMs: 5000,
  openLoopWarmupMs: 1000,
  openLoopConnections: 32,
};

/** Shorter runs to check that the section works (MESH_BENCH_QUICK=1 in bench/run.ts); the figures are noisier. */
export const DATA_PLANE_QUICK: Partial<DataPlaneOptions> = { wrkDurationS: 2, wrkWarmupS: 1, openLoopDurationMs: 2000, openLoopWarmupMs: 500 };

const TITLE = "Data plane";
/** What a user's agents do unless told otherwise (the MeshConfig schema's default sampling). */
const DEFAULT_TELEMETRY = `the default sampling, ${+(DEFAULT_MESH_CONFIG.tracing.sampling * 100).toFixed(4)}%, with failed or slow requests always traced, metric rollups and access logs`;
const NAMES = {
  haproxy: "haproxy (1 thread, keep-alive upstream)",
  nginxPair: "nginx pair (A → mTLS → B, 1 worker each, keep-alive both hops)",
  realAgents: `two real agents (mesh-agent, control plane, default telemetry: ${DEFAULT_TELEMETRY})`,
  realAgentsTelemetryOff: "two real agents, telemetry off (MESH_AGENT_TELEMETRY=off)",
};
/** A path answering less than this share of the offered rate within the window fell behind: its latencies grew all along. */
const OVERLOADED_BELOW = 0.95;
/** Issue 14's targets. */
const TARGETS = {
  meshVsNginxPair: 1.0,
  oneAgentVsNginx: 1.0,
  meshP99VsNginxPair: 1.5,
  telemetryOnVsOff: 0.85,
  cpuVsNginx: 1.5,
  peakRssMB: 60,
};

interface PathCase {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Ports whose listening processes are agents (their CPU and memory are measured). */
  agentPorts: number[];
  /** nginx instances on the path (their workers' CPU is measured), after the agents in the CPU figures. */
  nginx?: RunningNginx[];
  /** Run before this path is measured. */
  before?: () => Promise<void>;
}

interface PathResult {
  path: PathCase;
  wrk: WrkResult;
  openLoop: OpenLoopResult;
  /** CPU seconds per 1000 requests during the open-loop run: each agent on the path, then each nginx's workers. */
  cpuPer1000: number[];
}

/**
 * Item 1 of the suite. The topology (app, nginx, agents in their own processes) is bench/data-path.ts's; this adds
 * HAProxy, the pair of nginx with mTLS between them (bench/nginx.ts), real agents with the default telemetry and
 * real agents started with MESH_AGENT_TELEMETRY=off, the open-loop latency at a fixed rate, the CPU of agents and
 * nginx workers, the agents' memory, and issue 14's targets.
 */
export async function benchDataPlane(options: DataPlaneOptions = DATA_PLANE_DEFAULTS): Promise<BenchSection> {
  const missing = [];
  for (const command of ["wrk", "nginx", "haproxy"]) if (!(await onPath(command))) missing.push(command);
  if (missing.length > 0) throw new Error(`the data-plane benchmark needs ${missing.join(", ")} on the PATH (Debian: apt-get install wrk nginx haproxy)`);
  const work = await mkdtemp(path.join(tmpdir(), "mesh-bench-data-plane-"));
  let topology: DataPathTopology | undefined;
  let haproxy: { stop(): Promise<void> } | undefined;
  let nginxPair: NginxMtlsPair | undefined;
  let realAgents: RealAgents | undefined;
  try {
    topology = await startDataPathTopology(options.profileDir);
    const byName = (prefix: string) => {
      const found = topology!.cases.find((c) => c.name.startsWith(prefix));
      if (!found) throw new Error(`bench/data-path.ts has no "${prefix}…" case (it has: ${topology!.cases.map((c) => c.name).join(", ")})`);
      return found;
    };
    const direct = byName("direct");
    const appPort = Number(new URL(direct.url).port);
    const [haproxyPort, nginxAPort, nginxBPort] = (await freePorts(3)) as [number, number, number];
    haproxy = await startHaproxy(work, haproxyPort, appPort);
    const haproxyUrl = new URL(direct.url);
    haproxyUrl.port = String(haproxyPort);
    nginxPair = await startNginxMtlsPair(path.join(work, "nginx-pair"), { a: nginxAPort, b: nginxBPort }, appPort);
    realAgents = await startRealAgents(appPort, options.profileDir);

    const oneAgent = byName("one agent");
    const twoAgents = byName("two agents");
    const serverAgentPort = Number(new URL(oneAgent.url).port);
    const paths: PathCase[] = [
      { ...pathCase(direct), agentPorts: [] },
      { ...pathCase(byName("nginx")), agentPorts: [], nginx: [topology.nginx] },
      { name: NAMES.haproxy, url: haproxyUrl.toString(), headers: {}, agentPorts: [] },
      { ...pathCase(oneAgent), agentPorts: [serverAgentPort] },
      { ...pathCase(twoAgents), agentPorts: [Number(new URL(twoAgents.url).port), serverAgentPort] },
      { name: NAMES.nginxPair, url: nginxPair.url, headers: {}, agentPorts: [], nginx: nginxPair.nginx },
      // Telemetry off first: were it second, the control plane could still be storing the spans, rollups and
      // access logs of the default run, on the same cores.
      { ...pathCase({ name: NAMES.realAgentsTelemetryOff, ...realAgents.telemetryOff }), agentPorts: realAgents.telemetryOff.agentPorts },
      { ...pathCase({ name: NAMES.realAgents, ...realAgents.defaultTelemetry }), agentPorts: realAgents.defaultTelemetry.agentPorts },
    ];
    const agentPids = new Map<number, number>();
    for (const port of new Set(paths.flatMap((p) => p.agentPorts))) agentPids.set(port, await pidListeningOn(port));

    const results: PathResult[] = [];
    for (const p of paths) {
      await p.before?.();
      results.push(await measurePath(p, options, agentPids));
    }
    const memory = new Map<number, MemoryUse>();
    for (const [port, pid] of agentPids) memory.set(port, await memoryUse(pid));
    return section(results, memory, options);
  } finally {
    await haproxy?.stop();
    await nginxPair?.stop();
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

  // One entry per agent (its process) and per nginx (its worker processes, summed).
  const processes: number[][] = [...p.agentPorts.map((port) => [agentPids.get(port)!]), ...(await Promise.all((p.nginx ?? []).map((n) => n.workerPids())))];
  for (const [i, pids] of processes.entries()) if (pids.length === 0) throw new Error(`${p.name}: no process to measure for entry ${i} (an nginx without workers?)`);
  const cpuOf = () => Promise.all(processes.map(async (pids) => (await Promise.all(pids.map(cpuSeconds))).reduce((sum, s) => sum + s, 0)));
  const cpuBefore = await cpuOf();
  const openLoop = await runOpenLoop({
    url: p.url,
    headers: p.headers,
    ratePerSecond: options.openLoopRatePerSecond,
    durationMs: options.openLoopDurationMs,
    warmupMs: options.openLoopWarmupMs,
    connections: options.openLoopConnections,
    timeoutMs: 10_000,
  });
  const cpuAfter = await cpuOf();
  // Every request sent, warm-up included, since the CPU counters ran through all of them.
  const requests = (options.openLoopRatePerSecond * (options.openLoopDurationMs + options.openLoopWarmupMs)) / 1000;
  return { path: p, wrk: closedLoop, openLoop, cpuPer1000: processes.map((_, i) => ((cpuAfter[i]! - cpuBefore[i]!) / requests) * 1000) };
}

function section(results: PathResult[], memory: Map<number, MemoryUse>, options: DataPlaneOptions): BenchSection {
  const [direct, nginx, , oneAgent, mesh, nginxPair, realAgentsOff, realAgents] = results as [
    PathResult,
    PathResult,
    PathResult,
    PathResult,
    PathResult,
    PathResult,
    PathResult,
    PathResult,
  ];
  const rate = formatNumber(options.openLoopRatePerSecond);
  const times = (value: number) => `${value.toFixed(2)}×`;
  const rps = (r: PathResult) => r.wrk.requestsPerSecond;
  const p99 = (r: PathResult) => r.openLoop.latencyMs.p99;
  const cpu = (seconds: number) => seconds.toFixed(3);
  const failedOf = (r: PathResult) => r.wrk.errors + r.openLoop.errors + r.openLoop.non2xx;
  const overloaded = (r: PathResult) => r.openLoop.achievedRatePerSecond < OVERLOADED_BELOW * options.openLoopRatePerSecond;
  const figures: Figure[] = [];
  for (const r of results) {
    const failed = failedOf(r);
    figures.push({
      metric: `${r.path.name}: max req/s (wrk -t1 -c${options.connections})`,
      value: `${formatNumber(rps(r))} (${times(rps(r) / rps(direct))} direct, ${times(rps(r) / rps(nginx))} nginx)${r.wrk.errors ? ` (${r.wrk.errors} failed, ${r.wrk.non2xx} of them non-2xx)` : ""}`,
    });
    const l = r.openLoop.latencyMs;
    figures.push({
      metric: `${r.path.name}: p50 / p90 / p99 at ${rate} req/s`,
      value:
        `${formatMs(l.p50)} / ${formatMs(l.p90)} / ${formatMs(l.p99)}${r.openLoop.errors + r.openLoop.non2xx ? ` (${r.openLoop.errors + r.openLoop.non2xx} failed)` : ""}` +
        (overloaded(r) ? ` (OVERLOADED: answered only ${formatNumber(r.openLoop.achievedRatePerSecond)} req/s)` : ""),
    });
  }

  // Mesh path (data-plane agents, mTLS between them) against the nginx pair doing the same with nginx.
  const meshFailed = failedOf(mesh);
  const pairFailed = failedOf(nginxPair);
  const meshVsPair = rps(mesh) / rps(nginxPair);
  const p99VsPair = p99(mesh) / p99(nginxPair);
  const overloadNote = [mesh, nginxPair].filter(overloaded).map((r) => ` (${r === mesh ? "mesh path" : "nginx pair"} OVERLOADED)`).join("");
  const vsNginx = rps(oneAgent) / rps(nginx);
  const telemetryCost = rps(realAgents) / rps(realAgentsOff);
  // CPU: each agent against the nginx doing its part: one agent (plain in, plain out) against the single nginx; on
  // the mesh path, the caller's agent (plain in, mTLS out) against nginx A and the server's (mTLS in, plain out) against B.
  const [nginxCpu] = nginx.cpuPer1000 as [number];
  const [nginxACpu, nginxBCpu] = nginxPair.cpuPer1000 as [number, number];
  const oneAgentCpuRatio = oneAgent.cpuPer1000[0]! / nginxCpu;
  const [callerCpu, serverCpu] = mesh.cpuPer1000 as [number, number];
  const meshCpuRatios = [callerCpu / nginxACpu, serverCpu / nginxBCpu];
  const vsPairHops = (r: PathResult) => {
    const [caller, server] = r.cpuPer1000 as [number, number];
    return `caller ${cpu(caller)} (${times(caller / nginxACpu)} nginx A); server ${cpu(server)} (${times(server / nginxBCpu)} nginx B)`;
  };
  const mb = (bytes: number) => bytes / 1e6;
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
    {
      metric: `mesh path (two agents, mTLS) vs nginx pair (mTLS): max req/s`,
      value: `${times(meshVsPair)} (${formatNumber(rps(mesh))} vs ${formatNumber(rps(nginxPair))})${pairFailed ? ` (nginx pair failed ${pairFailed}: not comparable)` : ""}`,
      target: `≥ ${TARGETS.meshVsNginxPair.toFixed(1)}×`,
      met: meshVsPair >= TARGETS.meshVsNginxPair && pairFailed === 0,
    },
    {
      metric: "mesh path: failed or non-2xx responses (wrk and open loop)",
      value: `${meshFailed} (non-2xx ${mesh.wrk.non2xx + mesh.openLoop.non2xx}); nginx pair: ${pairFailed}`,
      target: "0",
      met: meshFailed === 0,
    },
    {
      metric: `mesh path vs nginx pair: p99 at ${rate} req/s`,
      value: `${times(p99VsPair)} (${formatMs(p99(mesh))} vs ${formatMs(p99(nginxPair))})${overloadNote}`,
      target: `≤ ${TARGETS.meshP99VsNginxPair.toFixed(1)}×`,
      met: p99VsPair <= TARGETS.meshP99VsNginxPair,
    },
    {
      metric: "one agent: throughput vs nginx",
      value: `${times(vsNginx)} (${formatNumber(rps(oneAgent))} vs ${formatNumber(rps(nginx))})`,
      target: `≥ ${TARGETS.oneAgentVsNginx.toFixed(1)}×`,
      met: vsNginx >= TARGETS.oneAgentVsNginx,
    },
    {
      metric: `two real agents: max req/s, default telemetry (${DEFAULT_TELEMETRY}) vs telemetry off (MESH_AGENT_TELEMETRY=off)`,
      value: `${times(telemetryCost)} (${formatNumber(rps(realAgents))} vs ${formatNumber(rps(realAgentsOff))})`,
      target: `≥ ${TARGETS.telemetryOnVsOff.toFixed(2)}×`,
      met: telemetryCost >= TARGETS.telemetryOnVsOff,
    },
    {
      metric: `one agent vs nginx worker: CPU s per 1000 requests at ${rate} req/s`,
      value: `${times(oneAgentCpuRatio)} (${cpu(oneAgent.cpuPer1000[0]!)} vs ${cpu(nginxCpu)})`,
      target: `≤ ${TARGETS.cpuVsNginx.toFixed(1)}×`,
      met: oneAgentCpuRatio <= TARGETS.cpuVsNginx,
    },
    {
      metric: `mesh path agents vs nginx pair workers: CPU s per 1000 requests at ${rate} req/s`,
      value: `${vsPairHops(mesh)}; nginx A ${cpu(nginxACpu)}, B ${cpu(nginxBCpu)}`,
      target: `≤ ${TARGETS.cpuVsNginx.toFixed(1)}× each`,
      met: Math.max(...meshCpuRatios) <= TARGETS.cpuVsNginx,
    },
    { metric: `two real agents, default telemetry (${DEFAULT_TELEMETRY}): CPU s per 1000 requests at ${rate} req/s`, value: vsPairHops(realAgents) },
    { metric: `two real agents, telemetry off: CPU s per 1000 requests at ${rate} req/s`, value: vsPairHops(realAgentsOff) },
    ...memoryFigures("data plane only", mesh),
    ...memoryFigures("two real agents, default telemetry", realAgents),
    ...memoryFigures("two real agents, telemetry off", realAgentsOff),
  );
  return {
    title: TITLE,
    method: [
      "- App: a minimal Node http server answering a 40-byte JSON body (bench/data-path-upstream.ts). Data-plane-only agents: the real `startDataPlane` (apps/agent/src/data-plane.ts), each in its own Node process, given config and certificates (ECDSA P-256) directly instead of from a control plane, with no telemetry (bench/data-path.ts, bench/data-path-agent.ts).",
      `- Real agents, default telemetry: the \`mesh-agent\` program users run, registered with a control plane (in the benchmark's process, on a fresh database of the machine's PostgreSQL): certificates from its CA, config over the subscription, and the telemetry a user gets by default (a MeshConfig without a tracing setting is applied, and both pairs run it): ${DEFAULT_TELEMETRY}, every request counted in a rollup and access-logged (its line to a file), all shipped to the control plane as in production (bench/real-agents.ts). The control plane's ingestion shares the cores with the agents.`,
      "- Real agents, telemetry off: a second pair of real agents, the same topology on their own ports (services `caller-telemetry-off` → `app-telemetry-off`, in front of the same app), registered with the same control plane and running the same MeshConfig, but started with `MESH_AGENT_TELEMETRY=off`: no spans, no metric rollups, no access log (neither on stdout nor shipped to the control plane); their /metrics is still served. Measured just before the default run, so the control plane is not still ingesting that run's telemetry; the pair not being measured only heartbeats.",
      "- Paths: direct to the app; nginx (1 worker, keep-alive upstream); HAProxy (1 thread, keep-alive, http-reuse always); one agent (its inbound port, plaintext, permissive mode); the mesh path, two agents (caller's outbound with `Host: app` → mTLS between agents → app agent's inbound → app); the nginx pair, the same path done by two nginx (A: plain listener, `proxy_pass https://` with `proxy_ssl_certificate` (a client certificate) and `proxy_ssl_verify on`; B: TLS listener with `ssl_verify_client on`, proxying to the app; 1 worker each, keep-alive upstreams on both hops, ECDSA P-256 certificates from a CA like the agents'; bench/nginx.ts); the mesh path through real agents, with telemetry off and with the default telemetry. nginx keeps connections open whatever their request count (`keepalive_requests`), like the agents.",
      `- Maximum throughput: wrk -t1 -c${options.connections} -d${options.wrkDurationS}s after a ${options.wrkWarmupS} s warm-up (closed loop).`,
      `- Latency: an open-loop generator (bench/open-loop.ts) in its own process sends ${rate} req/s at fixed, pre-computed times over a keep-alive pool of ${options.openLoopConnections} connections, whatever the responses do, and measures each latency from the request's SCHEDULED send time (no coordinated omission); ${options.openLoopWarmupMs / 1000} s warm-up, then ${options.openLoopDurationMs / 1000} s measured. Its timer resolution adds up to ~1 ms to every path alike.`,
      "- CPU per 1000 requests, for agents and nginx alike: utime + stime from /proc/<pid>/stat (of each agent's process; of each nginx's worker processes, the master only supervising) before and after the open-loop run, divided by the requests sent, warm-up included. Each agent is compared with the nginx doing its part: one agent with the single nginx; on the mesh path, the caller's agent with nginx A and the server's with nginx B. Peak RSS: VmHWM from /proc/<pid>/status after all runs (each agent's peak over the runs it served). Part of it is RssFile, pages of files mapped into the process, nearly all of them the Node executable's code, which every Node process on the host shares; VmHWM − RssFile is the agent's own memory.",
      "- Ratios compare figures of this one run; the paths run one after the other (in the order of the table), so a change in the machine's load between two runs moves their ratio.",
      "- Agents run as users run them: bundled into one file by esbuild (scripts/lib/agent-bundle.ts), no TypeScript loader in the process, with the agent's Node flags (`--max-semi-space-size=2`).",
      "- Everything (load generators, proxies, agents, app) shares the machine's cores.",
    ],
    figures,
  };
}
