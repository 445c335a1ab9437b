import type { AccessLogEntry, MetricRollupReport } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";
import { insertAccessLogs } from "./access-log-store.ts";
import { pruneTelemetryIfDue, retention } from "./retention.ts";
import { upsertRollups } from "./rollup-store.ts";
import { counted, splitAtRetention, tooOldMessage } from "./within-retention.ts";

/** What telemetry.report answers: how much it stored, and (OTLP-style) what it refused as too old. */
export interface ReportStored {
  rollups: number;
  accessLogs: number;
  partialSuccess?: { rejectedRollups: number; rejectedAccessLogs: number; errorMessage: string };
}

/**
 * Writes an agent's rollups and access logs in one transaction (a retried report never half-counts),
 * leaving out what is already past the retention, then prunes if due. The same rule as /v1/traces:
 * a rollup bucket or access-log line older than the cutoff is refused, not stored and pruned.
 */
export async function storeReport(
  prisma: PrismaClient,
  report: { rollups: MetricRollupReport[]; accessLogs: AccessLogEntry[] },
  now = Date.now(),
): Promise<ReportStored> {
  const policy = await retention(prisma);
  const cutoffMs = now - policy.ms;
  const rollups = splitAtRetention(report.rollups, (rollup) => rollup.bucketStart, cutoffMs);
  const accessLogs = splitAtRetention(report.accessLogs, (line) => line.time, cutoffMs);
  const statements = [upsertRollups(prisma, rollups.kept), insertAccessLogs(prisma, accessLogs.kept)].filter((s) => s !== null);
  if (statements.length > 0) await prisma.$transaction(statements);
  // Same `now` as the split, so the prune cannot delete what this report just stored.
  await pruneTelemetryIfDue(prisma, now);

  const stored = { rollups: rollups.kept.length, accessLogs: accessLogs.kept.length };
  if (rollups.tooOld + accessLogs.tooOld === 0) return stored;
  const errorMessage = tooOldMessage(`${counted(rollups.tooOld, "rollup")} and ${counted(accessLogs.tooOld, "access-log line")}`, policy, cutoffMs);
  return { ...stored, partialSuccess: { rejectedRollups: rollups.tooOld, rejectedAccessLogs: accessLogs.tooOld, errorMessage } };
}
