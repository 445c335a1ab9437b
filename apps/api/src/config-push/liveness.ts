import { Prisma } from "../db/generated/client.ts";

/** How often agents heartbeat (told to them at registration). */
export const HEARTBEAT_INTERVAL_MS = 3_000;
/** An instance that has not heartbeated for this long stops being an endpoint (three missed heartbeats and a bit). */
export const INSTANCE_TTL_MS = 10_000;
/** Expired and deregistered instances are forgotten after this long; their credentials stop working. */
export const INSTANCE_RETENTION_MS = 3600_000;

/**
 * Instance.health: "starting" until the first heartbeat, then what the agent reports ("ok" | "degraded"), and
 * "expired" once heartbeats stop. Only instances that heartbeat are endpoints: the first heartbeat is the
 * agent's readiness signal.
 */
export const ENDPOINT_HEALTH = ["ok", "degraded"] as const;
export const EXPIRED_HEALTH = "expired";
/**
 * A live instance that has not heartbeated for this long (two missed heartbeats) is reported as disconnected by
 * rollout status: it is still an endpoint until INSTANCE_TTL_MS, but nothing it was sent is likely to be applied.
 */
export const DISCONNECTED_AFTER_MS = 2 * HEARTBEAT_INTERVAL_MS;
/** Heartbeats that change nothing but liveness are written in one batch this often (far inside INSTANCE_TTL_MS). */
export const LIVENESS_FLUSH_MS = 1_000;

/**
 * A live instance: registered, not deregistered, and not expired (it heartbeated within INSTANCE_TTL_MS, as the
 * sweep judges). The one rule for who counts, as a Prisma filter and as SQL on "Instance".
 */
export const LIVE_INSTANCE_WHERE = { deregisteredAt: null, health: { not: EXPIRED_HEALTH } } satisfies Prisma.InstanceWhereInput;
export const LIVE_INSTANCE_SQL = Prisma.sql`"deregisteredAt" IS NULL AND health <> ${EXPIRED_HEALTH}`;
