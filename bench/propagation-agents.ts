// Process entry: many simulated agents in one process, each doing what a real agent does with the control plane
// (register with the join token, heartbeat, follow agent.config over SSE through the agent's own tRPC client, and
// acknowledge each snapshot at once with a heartbeat carrying appliedRevision). It reports, per revision, when each
// of its agents received and acknowledged it. Options as JSON in argv[2]; reports as prefixed JSON lines on stdout.
import type { AgentSnapshot } from "../packages/shared/src/index.ts";
import { createControlPlaneClient, type ControlPlaneClient } from "../apps/agent/src/discovery/control-plane-client.ts";
import { createInterface } from "node:readline";
import { REPORT_PREFIX, SUBSCRIBE_COMMAND, type SimulatedAgentsOptions, type SimulatedAgentsReport } from "./propagation-protocol.ts";
import { preciseNow } from "./stats.ts";

interface SimulatedAgent {
  client: ControlPlaneClient;
  instanceId: string;
  snapshot: AgentSnapshot | null;
  /** First time each revision arrived, and when its acknowledgement was answered (NaN: the heartbeat failed). */
  receivedAt: Map<number, number>;
  acknowledgedAt: Map<number, number>;
}

const REGISTER_CONCURRENCY = 10;

const report = (message: SimulatedAgentsReport) => process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(message)}\n`);

async function main(options: SimulatedAgentsOptions): Promise<void> {
  const agents: SimulatedAgent[] = [];
  for (let i = 0; i < options.agents.length; i += REGISTER_CONCURRENCY) {
    const batch = options.agents.slice(i, i + REGISTER_CONCURRENCY).map((spec, j) => startAgent(options, spec, options.firstInboundPort + i + j));
    agents.push(...(await Promise.all(batch)));
  }
  report({ type: "registered" });
  await nextCommand(SUBSCRIBE_COMMAND);
  let reported: number | null = null;
  const onProgress = () => {
    if (reported === null) {
      if (!agents.every((agent) => endpointCount(agent.snapshot) === options.meshEndpoints)) return;
      reported = Math.min(...agents.map((agent) => agent.snapshot!.revision));
      report({ type: "settled", revision: reported });
    }
    for (;;) {
      const revision = Math.min(...agents.map((agent) => agent.snapshot!.revision));
      if (revision <= reported) return;
      const acknowledgedAt = agents.map((agent) => firstAtOrAfter(agent.acknowledgedAt, revision));
      if (acknowledgedAt.some((at) => at === undefined)) return;
      const receivedAt = agents.map((agent) => firstAtOrAfter(agent.receivedAt, revision)!);
      reported = revision;
      report({ type: "revision", revision, receivedAt, acknowledgedAt: acknowledgedAt as number[] });
    }
  };
  for (const agent of agents) follow(agent, onProgress);
}

async function startAgent(options: SimulatedAgentsOptions, spec: { service: string; version: string }, inboundPort: number): Promise<SimulatedAgent> {
  let credential: string | null = null;
  const client = createControlPlaneClient(options.url, (path) => (path === "agent.register" ? options.joinToken : credential));
  const registration = await client.agent.register.mutate({ ...spec, address: "127.0.0.1", inboundPort, agentVersion: "bench" });
  credential = registration.credential;
  const agent: SimulatedAgent = { client, instanceId: registration.instanceId, snapshot: null, receivedAt: new Map(), acknowledgedAt: new Map() };
  // The first heartbeat makes the instance an endpoint; later ones keep it alive, spread over the interval.
  await heartbeat(agent);
  const periodic = () => void heartbeat(agent).catch((error: unknown) => report({ type: "heartbeat-failed", message: describe(error) }));
  setTimeout(() => setInterval(periodic, registration.heartbeatIntervalMs), Math.random() * registration.heartbeatIntervalMs);
  return agent;
}

function follow(agent: SimulatedAgent, onProgress: () => void): void {
  agent.client.agent.config.subscribe(undefined, {
    onData: (snapshot) => {
      const at = preciseNow();
      agent.snapshot = snapshot;
      if (agent.receivedAt.has(snapshot.revision)) return;
      agent.receivedAt.set(snapshot.revision, at);
      heartbeat(agent).then(
        () => agent.acknowledgedAt.set(snapshot.revision, preciseNow()),
        (error: unknown) => {
          agent.acknowledgedAt.set(snapshot.revision, Number.NaN);
          report({ type: "heartbeat-failed", message: describe(error) });
        },
      ).finally(onProgress);
    },
    onError: (error) => report({ type: "fatal", message: `config subscription failed: ${describe(error)}` }),
  });
}

function nextCommand(command: string): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) =>
    lines.on("line", (line) => {
      if (line.trim() !== command) return;
      lines.close();
      resolve();
    }),
  );
}

function heartbeat(agent: SimulatedAgent) {
  return agent.client.agent.heartbeat.mutate({ instanceId: agent.instanceId, health: "ok", appliedRevision: agent.snapshot?.revision ?? null });
}

function endpointCount(snapshot: AgentSnapshot | null): number {
  return snapshot ? Object.values(snapshot.destinations).reduce((sum, destination) => sum + destination.endpoints.length, 0) : -1;
}

function firstAtOrAfter(times: Map<number, number>, revision: number): number | undefined {
  for (const [seen, at] of times) if (seen >= revision) return at;
  return undefined;
}

/** fetch() says only "fetch failed"; the reason is in its cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${describe(error.cause)}` : "";
  return `${error.message}${cause}`;
}

await main(JSON.parse(process.argv[2] ?? "") as SimulatedAgentsOptions).catch((error: unknown) => {
  report({ type: "fatal", message: describe(error) });
  process.exit(1);
});
