import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { createApiClient } from "../apps/api/src/cli/api-client.ts";
import { startControlPlane, type ControlPlane } from "../apps/api/src/server.ts";
import { createTestDatabase, type TestDatabase } from "../packages/testkit/src/database.ts";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import type { SimulatedAgentsOptions } from "./propagation-protocol.ts";
import { formatMs, type BenchSection } from "./section.ts";
import { SimulatedAgents } from "./simulated-agents.ts";
import { distribution, preciseNow } from "./stats.ts";

export interface PropagationOptions {
  services: number;
  instancesPerService: number;
  /** Simulated agents are spread over this many processes. */
  processes: number;
  /** Config changes applied one after another; each is timed to every agent. */
  rounds: number;
}

export const PROPAGATION_DEFAULTS: PropagationOptions = { services: 50, instancesPerService: 4, processes: 2, rounds: 8 };

const TITLE = "Propagation";
const TARGET_P99_MS = 500;
const REGISTER_TIMEOUT_MS = 90_000;
const SUBSCRIBE_TIMEOUT_MS = 30_000;
/** Under heavy load instances can expire between heartbeats; the rounds then run on whatever the agents see. */
const WHOLE_MESH_TIMEOUT_MS = 15_000;
/** A delivery later than this counts as missing (and as infinitely late in the percentiles). */
const ROUND_TIMEOUT_MS = 8_000;

/**
 * Time from `resources.applyDocuments` (called by an operator client) to each of N agents receiving the new revision
 * over its agent.config subscription, and to the agent's heartbeat acknowledging it being answered.
 */
export async function benchPropagation(options: PropagationOptions = PROPAGATION_DEFAULTS): Promise<BenchSection> {
  const agentCount = options.services * options.instancesPerService;
  const services = Array.from({ length: options.services }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const database: TestDatabase = await createTestDatabase("mesh_bench");
    cleanups.unshift(() => database.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), "mesh-bench-"));
    cleanups.unshift(() => rm(dataDir, { recursive: true, force: true }));
    const controlPlane: ControlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
    cleanups.unshift(() => controlPlane.close());
    const admin = createApiClient(controlPlane.url, controlPlane.adminToken);
    await admin.resources.applyDocuments.mutate({ documents: services.flatMap((service, i) => meshPolicies(service, services[(i + 1) % services.length]!, 0)) });

    const agents = services.flatMap((service) => Array.from({ length: options.instancesPerService }, (_, i) => ({ service, version: i % 2 ? "v2" : "v1" })));
    const workers: SimulatedAgents[] = [];
    const perProcess = Math.ceil(agents.length / options.processes);
    for (let p = 0; p < options.processes; p++) {
      const workerOptions: SimulatedAgentsOptions = {
        url: controlPlane.url,
        joinToken: controlPlane.joinToken,
        agents: agents.slice(p * perProcess, (p + 1) * perProcess),
        meshEndpoints: agentCount,
        firstInboundPort: 20_000 + p * perProcess,
      };
      const worker = new SimulatedAgents(workerOptions);
      cleanups.unshift(() => worker.stop());
      workers.push(worker);
    }
    const running = () => workers.forEach((w) => w.assertRunning());
    await waitFor(() => (running(), workers.every((w) => w.allRegistered)), { timeoutMs: REGISTER_TIMEOUT_MS, intervalMs: 100 }).catch(() => {
      const registered = workers.reduce((sum, w) => sum + w.registered, 0);
      throw new Error(`only ${registered} of ${agentCount} agents registered within ${REGISTER_TIMEOUT_MS / 1000} s (load average ${os.loadavg()[0]!.toFixed(1)})`);
    });
    for (const worker of workers) worker.subscribe();
    await waitFor(() => (running(), workers.every((w) => w.subscribed)), { timeoutMs: SUBSCRIBE_TIMEOUT_MS, intervalMs: 100, what: `${agentCount} agents to subscribe` });
    const wholeMesh = await waitFor(() => (running(), workers.every((w) => w.seesWholeMesh)), { timeoutMs: WHOLE_MESH_TIMEOUT_MS, intervalMs: 100 }).then(
      () => true,
      () => false,
    );

    const received: number[] = [];
    const acknowledged: number[] = [];
    const applyMs: number[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const service = services[(round * 7) % services.length]!;
      const startedAt = preciseNow();
      const { revision } = await admin.resources.applyDocuments.mutate({ documents: meshPolicies(service, services[0]!, round).slice(0, 1) });
      applyMs.push(preciseNow() - startedAt);
      const all = (times: (w: SimulatedAgents) => (number | undefined)[]) => workers.every((w) => times(w).every((at) => at !== undefined));
      const within = { timeoutMs: ROUND_TIMEOUT_MS, intervalMs: 5 };
      await waitFor(() => (running(), all((w) => w.receivedAt(revision!))), within).catch(() => undefined);
      await waitFor(() => (running(), all((w) => w.acknowledgedAt(revision!))), within).catch(() => undefined);
      // Missing (later than the timeout) counts as infinitely late.
      const since = (at: number | undefined) => (at === undefined ? Number.POSITIVE_INFINITY : at - startedAt);
      for (const worker of workers) {
        received.push(...worker.receivedAt(revision!).map(since));
        acknowledged.push(...worker.acknowledgedAt(revision!).map(since));
      }
    }

    const toAgents = distribution(received);
    const toAcks = distribution(acknowledged);
    const missing = received.filter((ms) => ms === Number.POSITIVE_INFINITY).length;
    const failedHeartbeats = workers.reduce((sum, w) => sum + w.failedHeartbeats, 0);
    const apply = distribution(applyMs);
    return {
      title: TITLE,
      method: [
        `- A control plane (apps/api startControlPlane) on a fresh database of the machine's PostgreSQL, seeded with a TrafficPolicy and an AccessPolicy per service (${options.services} services).`,
        `- ${agentCount} simulated agents (${options.instancesPerService} instances per service, v1/v2) in ${options.processes} separate processes, each doing what a real agent does through the agent's own tRPC client (apps/agent/src/discovery/control-plane-client.ts): agent.register with the join token, heartbeats every 3 s, the agent.config SSE subscription, and a heartbeat carrying appliedRevision for each snapshot received.`,
        `- ${options.rounds} rounds: an operator client calls resources.applyDocuments changing one TrafficPolicy; each agent's latency is the time from just before that call to the first snapshot it receives with the new revision (received), and to the answer to its acknowledging heartbeat (acknowledged). Clocks: performance.timeOrigin + performance.now() in each process.`,
        `- Each snapshot is the agent's whole config: every destination with its policy and endpoints (${agentCount} endpoints in ${options.services} destinations).`,
      ],
      figures: [
        { metric: `to ${agentCount} agents, received p50`, value: formatMs(toAgents.p50) },
        { metric: `to ${agentCount} agents, received p99`, value: formatMs(toAgents.p99), target: `< ${TARGET_P99_MS} ms`, met: toAgents.p99 < TARGET_P99_MS },
        { metric: `to ${agentCount} agents, received max`, value: formatMs(toAgents.max) },
        ...(missing ? [{ metric: `deliveries missing after ${ROUND_TIMEOUT_MS / 1000} s`, value: `${missing} of ${received.length}` }] : []),
        { metric: "acknowledged (heartbeat answered) p50 / p99", value: `${formatMs(toAcks.p50)} / ${formatMs(toAcks.p99)}` },
        { metric: "applyDocuments call p50", value: formatMs(apply.p50) },
      ],
      notes: [
        ...(wholeMesh ? [] : [`Not every agent saw all ${agentCount} endpoints within ${WHOLE_MESH_TIMEOUT_MS / 1000} s of subscribing (an instance whose heartbeats come late expires, as on an overloaded machine); the rounds ran anyway.`]),
        `${received.length} deliveries measured (${options.rounds} changes × ${agentCount} agents); ${failedHeartbeats} heartbeats failed during the run (a real agent retries at its next heartbeat; so does the simulation).`,
      ],
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

/** A service's TrafficPolicy (changed by `round` through its timeout) and an AccessPolicy letting `caller` in. */
function meshPolicies(service: string, caller: string, round: number): unknown[] {
  return [
    {
      apiVersion: "mesh/v1",
      kind: "TrafficPolicy",
      metadata: { name: service },
      spec: {
        routes: [
          { match: { headers: { "x-canary": "1" } }, backends: [{ version: "v2", weight: 100 }] },
          { backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] },
        ],
        timeout: `${2000 + round}ms`,
        retries: { attempts: 2, perTryTimeout: "500ms", retryOn: ["5xx", "connect-failure"] },
        loadBalancer: "least-request",
      },
    },
    {
      apiVersion: "mesh/v1",
      kind: "AccessPolicy",
      metadata: { name: `${service}-callers` },
      spec: { target: service, action: "allow", from: [caller], to: [{ methods: ["GET", "POST"], paths: ["/*"] }] },
    },
  ];
}
