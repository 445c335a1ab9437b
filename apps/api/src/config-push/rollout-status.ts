import type { PrismaClient } from "../db/client.ts";
import { DISCONNECTED_AFTER_MS, LIVE_INSTANCE_SQL } from "./liveness.ts";
import { servicesAffectedBy } from "./revision-impact.ts";

/** An affected live agent that has not applied the revision: `reason` is "not acknowledged", "disconnected" or "rejected: <its error>". */
export interface PendingAgent {
  service: string;
  instance: string;
  reason: string;
}

/** The contract of `mesh rollout status -o json` and `revisions.rollout`. */
export interface RolloutStatus {
  revision: number;
  /** Affected live agents running this revision or a later one. */
  applied: number;
  /** Affected live agents: not deregistered, not expired, of a service whose config the revision changed. */
  total: number;
  pending: PendingAgent[];
}

interface LiveAgentRow {
  id: string;
  service: string;
  applied: number | null;
  rejected: number | null;
  error: string | null;
  silent: boolean;
}

/** How far revision `revision` has reached the agents it affects, judged from their heartbeats (the database's clock). */
export async function rolloutStatus(prisma: PrismaClient, revision: number): Promise<RolloutStatus> {
  const agents = await prisma.$queryRaw<LiveAgentRow[]>`
    SELECT id, "serviceName" AS service, "appliedRevision" AS applied, "rejectedRevision" AS rejected, "rejectionError" AS error,
           "lastHeartbeatAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${DISCONNECTED_AFTER_MS / 1000}::double precision) AS silent
      FROM "Instance"
     WHERE ${LIVE_INSTANCE_SQL}
     ORDER BY "serviceName", id`;
  const affected = await servicesAffectedBy(prisma, revision, agents.map((agent) => agent.service));
  const targets = agents.filter((agent) => affected.has(agent.service));
  const pending = targets
    .filter((agent) => agent.applied === null || agent.applied < revision)
    .map((agent) => ({ service: agent.service, instance: agent.id, reason: pendingReason(agent, revision) }));
  return { revision, applied: targets.length - pending.length, total: targets.length, pending };
}

function pendingReason(agent: LiveAgentRow, revision: number): string {
  // A rejected later revision carries this one's changes too, so the agent has refused them as well.
  if (agent.rejected !== null && agent.rejected >= revision) return `rejected: ${agent.error ?? "no error reported"}`;
  return agent.silent ? "disconnected" : "not acknowledged";
}
