import { DEFAULT_MESH_CONFIG, meshConfigSpecSchema, parseDuration } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";

const PRUNE_EVERY_MS = 60_000;
const lastPruneAt = new WeakMap<PrismaClient, number>();

/** MeshConfig spec.telemetry.retention as written (for messages) and in milliseconds. */
export interface Retention {
  text: string;
  ms: number;
}

/** How long telemetry is kept: MeshConfig spec.telemetry.retention, else the default (24h). */
export async function retention(prisma: PrismaClient): Promise<Retention> {
  const row = await prisma.meshConfig.findUnique({ where: { name: "default" }, select: { spec: true } });
  const parsed = row ? meshConfigSpecSchema.safeParse(row.spec) : null;
  const text = (parsed?.success ? parsed.data : DEFAULT_MESH_CONFIG).telemetry.retention;
  return { text, ms: parseDuration(text) };
}

/** Deletes spans, rollups and access logs older than the retention. */
export async function pruneTelemetry(prisma: PrismaClient, now = Date.now()): Promise<{ spans: number; rollups: number; accessLogs: number }> {
  const cutoff = new Date(now - (await retention(prisma)).ms);
  const [spans, rollups, accessLogs] = await prisma.$transaction([
    prisma.span.deleteMany({ where: { startTime: { lt: cutoff } } }),
    prisma.metricRollup.deleteMany({ where: { bucketStart: { lt: cutoff } } }),
    prisma.accessLog.deleteMany({ where: { time: { lt: cutoff } } }),
  ]);
  return { spans: spans.count, rollups: rollups.count, accessLogs: accessLogs.count };
}

/**
 * Prunes at most once a minute per control plane, on the ingestion path: telemetry only grows while
 * it is being written, so no timer (and no shutdown hook) is needed.
 */
export async function pruneTelemetryIfDue(prisma: PrismaClient, now = Date.now()): Promise<void> {
  if (now - (lastPruneAt.get(prisma) ?? 0) < PRUNE_EVERY_MS) return;
  lastPruneAt.set(prisma, now);
  await pruneTelemetry(prisma, now);
}
