import type { PrismaClient } from "../db/client.ts";
import { notifyMeshChange } from "./mesh-changes.ts";
import { EXPIRED_HEALTH, INSTANCE_RETENTION_MS, INSTANCE_TTL_MS, LIVE_INSTANCE_SQL } from "./liveness.ts";

/**
 * Marks instances that stopped heartbeating as expired and announces it. Every replica sweeps; the UPDATE claims
 * each expiry exactly once, so one replica announces it and all of them push.
 * Times are the database's clock, in UTC like every timestamp Prisma writes (columns have no time zone).
 */
export async function sweepExpiredInstances(prisma: PrismaClient): Promise<number> {
  const ttlSeconds = INSTANCE_TTL_MS / 1000;
  const retentionSeconds = INSTANCE_RETENTION_MS / 1000;
  const expired = await prisma.$queryRaw<{ serviceName: string }[]>`
    UPDATE "Instance" SET health = ${EXPIRED_HEALTH}
    WHERE ${LIVE_INSTANCE_SQL}
      AND "lastHeartbeatAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${ttlSeconds}::double precision)
    RETURNING "serviceName"`;
  for (const service of new Set(expired.map((row) => row.serviceName))) await notifyMeshChange(prisma, { type: "instances", service });
  await prisma.$executeRaw`
    DELETE FROM "Instance"
    WHERE ("deregisteredAt" IS NOT NULL OR health = ${EXPIRED_HEALTH})
      AND "lastHeartbeatAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${retentionSeconds}::double precision)`;
  return expired.length;
}
