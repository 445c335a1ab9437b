import type { HeartbeatInput } from "@mesh/shared";
import { notifyMeshChange } from "./mesh-changes.ts";
import { LivenessBuffer } from "./liveness-buffer.ts";
import { ENDPOINT_HEALTH } from "./liveness.ts";
import type { PrismaClient } from "../db/client.ts";

/** Bounds one statement's size; a longer queue is written in several. */
const MAX_BATCH = 500;

interface PendingHeartbeat {
  service: string;
  input: HeartbeatInput;
  resolve(found: boolean): void;
  reject(error: unknown): void;
}

const writers = new WeakMap<PrismaClient, HeartbeatWriter>();

/**
 * Records a heartbeat; false when the instance is gone (deregistered or forgotten). An instance that was not an
 * endpoint (first heartbeat, or back after expiring) becomes one, which every agent must hear about.
 *
 * A heartbeat that only repeats what this replica last wrote for the instance is kept in memory and written with
 * every other one LIVENESS_FLUSH_MS later (LivenessBuffer): a steady mesh costs one statement per flush, not one
 * write per heartbeat. Heartbeats that change something are written at once, those arriving while a write is in
 * flight together by the next one (group commit): when a config change reaches hundreds of agents they all
 * acknowledge it at once, and one statement per batch keeps them from taking every pooled connection.
 */
export function recordHeartbeat(prisma: PrismaClient, service: string, input: HeartbeatInput): Promise<boolean> {
  let writer = writers.get(prisma);
  if (!writer) writers.set(prisma, (writer = new HeartbeatWriter(prisma)));
  return writer.record(service, input);
}

/** Writes what this replica holds in memory about heartbeats and stops holding any (the control plane is closing). */
export async function closeHeartbeatWriter(prisma: PrismaClient): Promise<void> {
  await writers.get(prisma)?.liveness.close();
  writers.delete(prisma);
}

/** This replica forgets what it knew of an instance, e.g. once it is deregistered. */
export function forgetHeartbeats(prisma: PrismaClient, service: string, instanceId: string): void {
  writers.get(prisma)?.liveness.forget(keyOf({ service, input: { instanceId } }));
}

class HeartbeatWriter {
  private queue: PendingHeartbeat[] = [];
  private writing = false;
  readonly liveness: LivenessBuffer;

  constructor(private readonly prisma: PrismaClient) {
    // A failed flush needs no report of its own: the buffer then sends every heartbeat here, where errors reach the agent.
    this.liveness = new LivenessBuffer(prisma, () => undefined);
  }

  record(service: string, input: HeartbeatInput): Promise<boolean> {
    if (this.liveness.absorb(keyOf({ service, input }), stateOf(input))) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      this.queue.push({ service, input, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const found = await writeHeartbeats(this.prisma, batch);
        for (const pending of batch) {
          const key = keyOf(pending);
          if (found.has(key)) this.liveness.remember(key, pending.input.instanceId, pending.service, stateOf(pending.input));
          else this.liveness.forget(key);
          pending.resolve(found.has(key));
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.writing = false;
  }
}

/** Everything a heartbeat says besides "still here". */
const stateOf = (input: HeartbeatInput) => JSON.stringify([input.health, input.appliedRevision, input.rejected?.revision ?? null, input.rejected?.error ?? null]);
const keyOf = (heartbeat: { service: string; input: { instanceId: string } }) => `${heartbeat.service}/${heartbeat.input.instanceId}`;

/** Writes a batch in one statement; returns the keys of the instances that exist. The newest heartbeat of an instance wins. */
async function writeHeartbeats(prisma: PrismaClient, batch: PendingHeartbeat[]): Promise<Set<string>> {
  const newest = [...new Map(batch.map((pending) => [keyOf(pending), pending])).values()];
  const rows = await prisma.$queryRaw<{ id: string; service: string; previousHealth: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${newest.map((p) => p.input.instanceId)}::text[],
        ${newest.map((p) => p.service)}::text[],
        ${newest.map((p) => p.input.health)}::text[],
        ${newest.map((p) => p.input.appliedRevision)}::int[],
        ${newest.map((p) => p.input.rejected?.revision ?? null)}::int[],
        ${newest.map((p) => p.input.rejected?.error ?? null)}::text[]
      ) AS input(id, service, health, applied, rejected, rejection)
    ),
    previous AS (
      SELECT instance.id, instance."serviceName" AS service, instance.health
      FROM "Instance" AS instance JOIN input ON input.id = instance.id AND input.service = instance."serviceName"
      WHERE instance."deregisteredAt" IS NULL
      ORDER BY instance.id
      FOR UPDATE OF instance
    )
    UPDATE "Instance" AS instance
    SET health = input.health, "appliedRevision" = input.applied, "rejectedRevision" = input.rejected, "rejectionError" = input.rejection,
        "lastHeartbeatAt" = now() AT TIME ZONE 'UTC'
    FROM previous JOIN input ON input.id = previous.id AND input.service = previous.service
    WHERE instance.id = previous.id
    RETURNING instance.id, previous.service, previous.health AS "previousHealth"`;
  const becameEndpoints = new Set(rows.filter((row) => !(ENDPOINT_HEALTH as readonly string[]).includes(row.previousHealth)).map((row) => row.service));
  for (const service of becameEndpoints) await notifyMeshChange(prisma, { type: "instances", service });
  return new Set(rows.map((row) => `${row.service}/${row.id}`));
}
