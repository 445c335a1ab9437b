import { ROLLUP_INTERVAL_MS, rollupBucketStart, type AccessLogEntry } from "@mesh/shared";
import { DEMO_EDGES, DEMO_INSTANCES, DEMO_RESOURCES, type DemoEdge } from "./demo-mesh.ts";
import { accessLogsOf, productPageTrace, toOtlp, type PlannedSpan } from "./demo-traces.ts";
import { meshClient, type MeshClient } from "./mesh-client.ts";
import { rollupsFor, seededRandom } from "./synthetic-traffic.ts";

export interface SeededMesh {
  agents: RegisteredAgent[];
  /** The trace the waterfall test opens, as it was sent. */
  trace: { traceId: string; spans: PlannedSpan[] };
}

export interface RegisteredAgent {
  service: string;
  version: string;
  instanceId: string;
  client: MeshClient;
}

/** Registers one instance per (service, version) through the real join flow and reports it healthy. */
export async function registerInstances(apiUrl: string, joinToken: string, instances: readonly { service: string; version: string }[]): Promise<RegisteredAgent[]> {
  const joiner = meshClient(apiUrl, joinToken);
  const agents: RegisteredAgent[] = [];
  let port = 20_000;
  for (const { service, version } of instances) {
    const registered = await joiner.agent.register.mutate({ service, version, address: "127.0.0.1", inboundPort: port++, agentVersion: "test" });
    agents.push({ service, version, instanceId: registered.instanceId, client: meshClient(apiUrl, registered.credential) });
  }
  return agents;
}

export async function heartbeat(agents: readonly RegisteredAgent[], appliedRevision: number | null): Promise<void> {
  for (let i = 0; i < agents.length; i += 20) {
    await Promise.all(agents.slice(i, i + 20).map((a) => a.client.agent.heartbeat.mutate({ instanceId: a.instanceId, appliedRevision, health: "ok" })));
  }
}

/**
 * Keeps registered instances alive the way running agents would: heartbeats (the control plane expires an
 * instance after 10 s of silence) acknowledging the latest revision, and each finished 10-second rollup of
 * `edges`, so the seeded traffic stays current however long the tests take. Returns a stop function.
 */
export function keepAlive(apiUrl: string, adminToken: string, agents: readonly RegisteredAgent[], edges: readonly DemoEdge[] = [], intervalMs = 3000): () => Promise<void> {
  const admin = meshClient(apiUrl, adminToken);
  let running: Promise<void> = Promise.resolve();
  // seedDemoMesh reported every bucket that had finished; the one running then is the first left to report.
  let reportedUpTo = rollupBucketStart(Date.now()) - ROLLUP_INTERVAL_MS;
  let seed = 100;
  const beat = async () => {
    const { revision } = await admin.agents.status.query();
    await heartbeat(agents, revision || null);
    const lastFinished = rollupBucketStart(Date.now()) - ROLLUP_INTERVAL_MS;
    if (edges.length > 0 && lastFinished > reportedUpTo) {
      await reportTraffic(agents, edges, lastFinished - reportedUpTo, lastFinished + ROLLUP_INTERVAL_MS, seed++);
      reportedUpTo = lastFinished;
    }
  };
  const timer = setInterval(() => {
    running = running.then(beat).catch(() => undefined);
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Reports each edge's rollups from the agents that would have seen them: the caller's (outbound) and the callee's (inbound). */
export async function reportTraffic(agents: readonly RegisteredAgent[], edges: readonly DemoEdge[], windowMs: number, now = Date.now(), seed = 7): Promise<void> {
  const random = seededRandom(seed);
  const byService = new Map<string, RegisteredAgent>();
  for (const agent of agents) if (!byService.has(agent.service)) byService.set(agent.service, agent);
  const reports = new Map<string, ReturnType<typeof rollupsFor>>();
  for (const edge of edges) {
    for (const rollup of rollupsFor(edge, windowMs, now, random)) {
      const reporter = rollup.direction === "outbound" ? rollup.source : rollup.destination;
      (reports.get(reporter) ?? reports.set(reporter, []).get(reporter)!).push(rollup);
    }
  }
  for (const [service, rollups] of reports) {
    const agent = byService.get(service);
    if (!agent) throw new Error(`no registered agent for ${service}`);
    for (let i = 0; i < rollups.length; i += 1500) {
      await agent.client.telemetry.report.mutate({ rollups: rollups.slice(i, i + 1500), accessLogs: [] });
    }
  }
}

async function reportAccessLogs(agents: readonly RegisteredAgent[], lines: AccessLogEntry[]): Promise<void> {
  for (const service of new Set(lines.map((l) => l.source))) {
    const agent = agents.find((a) => a.service === service);
    if (!agent) throw new Error(`no registered agent for ${service}`);
    await agent.client.telemetry.report.mutate({ rollups: [], accessLogs: lines.filter((l) => l.source === service) });
  }
}

/** Spans go in through the real OTLP/HTTP receiver, as an instrumented app would send them. */
export async function sendTrace(apiUrl: string, token: string, body: unknown): Promise<void> {
  const response = await fetch(`${apiUrl}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`OTLP export failed: ${response.status} ${await response.text()}`);
}

/** Resources, instances, ten minutes of traffic and a handful of traces. */
export async function seedDemoMesh(apiUrl: string, adminToken: string, joinToken: string): Promise<SeededMesh> {
  const admin = meshClient(apiUrl, adminToken);
  const applied = await admin.resources.applyDocuments.mutate({ yaml: DEMO_RESOURCES });
  const agents = await registerInstances(apiUrl, joinToken, DEMO_INSTANCES);
  await heartbeat(agents, applied.revision);
  await reportTraffic(agents, DEMO_EDGES, 10 * 60_000);

  const now = Date.now();
  let featured: SeededMesh["trace"] | null = null;
  for (let i = 0; i < 8; i++) {
    const { traceId, body, spans } = toOtlp(productPageTrace(now - (i + 1) * 37_000, 1 + (i % 4) * 0.6));
    await sendTrace(apiUrl, adminToken, body);
    await reportAccessLogs(agents, accessLogsOf(spans));
    featured ??= { traceId, spans };
  }
  return { agents, trace: featured! };
}

