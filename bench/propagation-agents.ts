// Process entry: many simulated agents in one process, each doing what a real agent does with the control plane
// (register with the join token, heartbeat, follow agent.config over SSE through the agent's own tRPC client, and
// acknowledge each new revision at once with a heartbeat carrying appliedRevision). It reports when each agent
// received and acknowledged each revision. Options as JSON in argv[2]; reports as prefixed JSON lines on stdout.
import type { AgentSnapshot } from "../packages/shared/src/index.ts";
import { createControlPlaneClient, type ControlPlaneClient } from "../apps/agent/src/discovery/control-plane-client.ts";
import { createInterface } from "node:readline";
import { REPORT_PREFIX, SUBSCRIBE_COMMAND, type SimulatedAgentsOptions, type SimulatedAgentsReport } from "./propagation-protocol.ts";
import { preciseNow } from "./stats.ts";

interface SimulatedAgent {
  index: number;
  client: ControlPlaneClient;
  instanceId: string;
  snapshot: AgentSnapshot | null;
}

const REGISTER_CONCURRENCY = 10;

const report = (message: SimulatedAgentsReport) => process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(message)}\n`);

async function main(options: SimulatedAgentsOptions): Promise<void> {
  const agents: SimulatedAgent[] = [];
  for (let i = 0; i < options.agents.length; i += REGISTER_CONCURRENCY) {
    const batch = options.agents.slice(i, i + REGISTER_CONCURRENCY).map((_, j) => startAgent(options, i + j));
    agents.push(...(await Promise.all(batch)));
    report({ type: "registered", count: agents.length });
  }
  await nextCommand(SUBSCRIBE_COMMAND);
  let progress: "subscribing" | "subscribed" | "whole mesh" = "subscribing";
  const onSnapshot = () => {
    if (progress === "subscribing" && agents.every((agent) => agent.snapshot)) {
      progress = "subscribed";
      report({ type: "subscribed", wholeMesh: false });
    }
    if (progress === "subscribed" && agents.every((agent) => endpointCount(agent.snapshot) === options.meshEndpoints)) {
      progress = "whole mesh";
      report({ type: "subscribed", wholeMesh: true });
    }
  };
  for (const agent of agents) follow(agent, onSnapshot);
}

async function startAgent(options: SimulatedAgentsOptions, index: number): Promise<SimulatedAgent> {
  let credential: string | null = null;
  const client = createControlPlaneClient(options.url, (path) => (path === "agent.register" ? options.joinToken : credential));
  const input = { ...options.agents[index]!, address: "127.0.0.1", inboundPort: options.firstInboundPort + index, agentVersion: "bench" };
  const registration = await withRetries(() => client.agent.register.mutate(input));
  credential = registration.credential;
  const agent: SimulatedAgent = { index, client, instanceId: registration.instanceId, snapshot: null };
  // The first heartbeat makes the instance an endpoint; later ones keep it alive, spread over the interval.
  await withRetries(() => heartbeat(agent));
  const periodic = () => void heartbeat(agent).catch((error: unknown) => report({ type: "heartbeat-failed", message: describe(error) }));
  setTimeout(() => setInterval(periodic, registration.heartbeatIntervalMs), Math.random() * registration.heartbeatIntervalMs);
  return agent;
}

function follow(agent: SimulatedAgent, onSnapshot: () => void): void {
  agent.client.agent.config.subscribe(undefined, {
    onData: (snapshot) => {
      const at = preciseNow();
      const isNew = snapshot.revision > (agent.snapshot?.revision ?? -1);
      agent.snapshot = snapshot;
      onSnapshot();
      if (!isNew) return;
      const { revision } = snapshot;
      report({ type: "received", agent: agent.index, revision, at });
      heartbeat(agent).then(
        () => report({ type: "acknowledged", agent: agent.index, revision, at: preciseNow() }),
        (error: unknown) => report({ type: "heartbeat-failed", message: describe(error) }),
      );
    },
    onError: (error) => report({ type: "fatal", message: `config subscription failed: ${describe(error)}` }),
  });
}

/** Like a real agent, tries again (after a pause) when the control plane is too busy to answer in time. */
async function withRetries<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
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
