import type { AgentSnapshot } from "@mesh/shared";
import { createPrisma, type PrismaClient } from "../db/client.ts";
import { startChangeListener, type HubLog } from "./change-listener.ts";
import { coalescedTask } from "./coalesced-task.ts";
import { sweepExpiredInstances } from "./instance-expiry.ts";
import { INSTANCE_TTL_MS } from "./liveness.ts";
import { LatestValue } from "./latest-value.ts";
import { closeHeartbeatWriter } from "./record-heartbeat.ts";
import { loadMeshState } from "./mesh-state.ts";
import { snapshotFromState } from "./snapshot.ts";

export interface ConfigHubOptions {
  prisma: PrismaClient;
  databaseUrl: string;
  trustDomain: string;
  log?: HubLog;
}

/** The agent a config stream is for: the service and instance its credential is bound to. */
export interface StreamingAgent {
  service: string;
  instanceId: string;
}

/** Ends the config stream of an instance that was deregistered (or forgotten) since the stream opened. */
export class InstanceDeregisteredError extends Error {
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} was deregistered; register again`);
  }
}

export interface ConfigHub {
  /** The snapshot the agents of `service` should run now. */
  snapshotFor(service: string): Promise<AgentSnapshot>;
  /**
   * The current snapshot, then each changed one, until `signal` aborts or the hub closes. Slow readers skip to the
   * newest. Throws InstanceDeregisteredError once a recomputation finds the agent's instance deregistered.
   */
  subscribe(agent: StreamingAgent, signal?: AbortSignal): AsyncIterable<AgentSnapshot>;
  /** How many agent subscriptions this replica serves. */
  subscriberCount(): number;
  close(): Promise<void>;
}

/** Bursts of changes within this window are folded into one recomputation. */
const COALESCE_MS = 15;
const RETRY_MS = 1_000;
const SWEEP_INTERVAL_MS = 1_000;

interface Subscriber {
  agent: StreamingAgent;
  deregistered: boolean;
  lastSentJson: string | null;
  mailbox: LatestValue<AgentSnapshot>;
}

/**
 * Pushes config to the agents subscribed to THIS replica. Every replica LISTENs on the change channel, so a change
 * written through any replica (or a heartbeat that lapsed, found by any replica's sweep) reaches every agent.
 */
export async function startConfigHub({ prisma, databaseUrl, trustDomain, log }: ConfigHubOptions): Promise<ConfigHub> {
  const subscribers = new Set<Subscriber>();
  // Its own connection: when hundreds of agents heartbeat at once, request traffic fills the shared pool, and a
  // recomputation queued behind it would hold back every push.
  const stateReader = createPrisma(databaseUrl, { maxConnections: 1 });
  let closed = false;
  const warn = (what: string) => (error: unknown) => log?.warn(`${what}: ${(error as Error).message}`);

  const refresh = coalescedTask(
    async () => {
      if (subscribers.size === 0) return;
      // Only those subscribed before the read: a later one's instance may be newer than it, and the request it
      // made while this run was going brings another run.
      const targets = [...subscribers];
      const state = await loadMeshState(stateReader);
      const jsonByService = new Map<string, { snapshot: AgentSnapshot; json: string }>();
      for (const subscriber of targets) {
        // Judged from the same read as the snapshot, once for all agents, rather than one query per agent per push.
        if (!state.registeredInstances.has(subscriber.agent.instanceId)) {
          subscriber.deregistered = true;
          subscriber.mailbox.close();
          continue;
        }
        const { service } = subscriber.agent;
        let entry = jsonByService.get(service);
        if (!entry) {
          const snapshot = snapshotFromState(state, service, trustDomain);
          entry = { snapshot, json: JSON.stringify(snapshot) };
          jsonByService.set(service, entry);
        }
        if (entry.json === subscriber.lastSentJson) continue;
        subscriber.lastSentJson = entry.json;
        subscriber.mailbox.set(entry.snapshot);
      }
    },
    { delayMs: COALESCE_MS, retryMs: RETRY_MS, onError: warn("config hub could not recompute snapshots") },
  );

  const listener = await startChangeListener({ databaseUrl, onChange: refresh.request, onConnected: refresh.request, log });

  let sweeping: Promise<unknown> | null = null;
  // Heartbeats missed while no control plane listened say nothing about the agents: give them a TTL to reach this
  // one before expiring any, or a restart after a long outage empties callers' endpoints until each agent is back.
  const expireFrom = Date.now() + INSTANCE_TTL_MS;
  const sweepTimer = setInterval(() => {
    if (Date.now() < expireFrom) return;
    sweeping ??= sweepExpiredInstances(prisma)
      .catch(warn("instance expiry sweep failed"))
      .finally(() => (sweeping = null));
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  return {
    async snapshotFor(service) {
      return snapshotFromState(await loadMeshState(prisma), service, trustDomain);
    },

    subscribe(agent, signal) {
      return {
        async *[Symbol.asyncIterator]() {
          if (closed) return;
          const subscriber: Subscriber = { agent, deregistered: false, lastSentJson: null, mailbox: new LatestValue() };
          subscribers.add(subscriber);
          // The first snapshot goes through the same serialized recomputation as every later one, so order holds.
          refresh.request();
          try {
            for (;;) {
              const snapshot = await subscriber.mailbox.take(signal);
              // A snapshot still waiting when the instance was found deregistered is not delivered either.
              if (subscriber.deregistered) throw new InstanceDeregisteredError(agent.instanceId);
              if (snapshot === undefined) return;
              yield snapshot;
            }
          } finally {
            subscribers.delete(subscriber);
          }
        },
      };
    },

    subscriberCount: () => subscribers.size,

    async close() {
      closed = true;
      clearInterval(sweepTimer);
      await sweeping;
      for (const subscriber of subscribers) subscriber.mailbox.close();
      await listener.close();
      await refresh.stop();
      // Liveness heard but not yet written would otherwise be lost with this replica.
      await closeHeartbeatWriter(prisma).catch(warn("could not write the last heartbeats"));
      await stateReader.$disconnect();
    },
  };
}
