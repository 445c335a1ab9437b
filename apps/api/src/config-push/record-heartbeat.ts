import type { HeartbeatInput } from "@mesh/shared";
import { notifyMeshChange } from "./mesh-changes.ts";
import { ENDPOINT_HEALTH } from "./liveness.ts";
import type { PrismaClient } from "../db/client.ts";

/**
 * Records a heartbeat; false when the instance is gone (deregistered or forgotten). An instance that was not an
 * endpoint (first heartbeat, or back after expiring) becomes one, which every agent must hear about.
 */
export async function recordHeartbeat(prisma: PrismaClient, service: string, input: HeartbeatInput): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ previousHealth: string }[]>`
    WITH previous AS (
      SELECT id, health FROM "Instance"
      WHERE id = ${input.instanceId} AND "serviceName" = ${service} AND "deregisteredAt" IS NULL
      FOR UPDATE
    )
    UPDATE "Instance" AS instance
    SET health = ${input.health}, "appliedRevision" = ${input.appliedRevision}, "lastHeartbeatAt" = now() AT TIME ZONE 'UTC'
    FROM previous WHERE instance.id = previous.id
    RETURNING previous.health AS "previousHealth"`;
  const row = rows[0];
  if (!row) return false;
  if (!(ENDPOINT_HEALTH as readonly string[]).includes(row.previousHealth)) await notifyMeshChange(prisma, { type: "instances", service });
  return true;
}
