import { addLatencyCounts, isErrorStatus, type MetricRollupReport } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";
import { jsonParameter } from "./json-parameter.ts";

type Statement = ReturnType<PrismaClient["$executeRawUnsafe"]>;

/**
 * Adds reported rollups onto the stored ones (requests, status counts and latency buckets are sums), so
 * several instances of a service and successive partial reports of one bucket add up. Rows go in key
 * order (a plain scan of the parameter keeps it), so concurrent reports lock rows in the same order.
 */
export function upsertRollups(prisma: PrismaClient, rollups: MetricRollupReport[]): Statement | null {
  const merged = mergeByKey(rollups);
  if (merged.length === 0) return null;
  const rows = merged.map((r) => {
    let requests = 0;
    let errors = 0;
    for (const [status, count] of Object.entries(r.statusCounts)) {
      requests += count;
      if (isErrorStatus(Number(status))) errors += count;
    }
    return { ...r, requests, errors };
  });
  return prisma.$executeRawUnsafe(
    `INSERT INTO "MetricRollup" AS m ("bucketStart", "direction", "source", "destination", "destinationVersion", "requests", "errors",
                                      "statusCounts", "latencyBuckets", "latencySumMs", "mtls")
     SELECT to_timestamp(r."bucketStart" / 1000.0) AT TIME ZONE 'UTC', r."direction", r."source", r."destination", r."destinationVersion",
            r."requests", r."errors", r."statusCounts",
            ARRAY(SELECT b.value::int FROM jsonb_array_elements_text(r."latencyBuckets") WITH ORDINALITY AS b(value, i) ORDER BY b.i),
            r."latencySumMs", r."mtls"
       FROM jsonb_to_recordset($1::jsonb) AS r("bucketStart" bigint, "direction" text, "source" text, "destination" text,
            "destinationVersion" text, "requests" int, "errors" int, "statusCounts" jsonb, "latencyBuckets" jsonb,
            "latencySumMs" double precision, "mtls" boolean)
     ON CONFLICT ("bucketStart", "direction", "source", "destination", "destinationVersion") DO UPDATE SET
       "requests" = m."requests" + EXCLUDED."requests",
       "errors" = m."errors" + EXCLUDED."errors",
       "statusCounts" = (SELECT jsonb_object_agg(k, COALESCE((m."statusCounts" ->> k)::int, 0) + COALESCE((EXCLUDED."statusCounts" ->> k)::int, 0))
                           FROM jsonb_object_keys(m."statusCounts" || EXCLUDED."statusCounts") AS k),
       "latencyBuckets" = ARRAY(SELECT COALESCE(a, 0) + COALESCE(b, 0)
                                  FROM unnest(m."latencyBuckets", EXCLUDED."latencyBuckets") WITH ORDINALITY AS t(a, b, i) ORDER BY t.i),
       "latencySumMs" = m."latencySumMs" + EXCLUDED."latencySumMs",
       "mtls" = m."mtls" AND EXCLUDED."mtls"`,
    jsonParameter(rows),
  );
}

function keyOf(r: MetricRollupReport): string {
  return [r.bucketStart, r.direction, r.source, r.destination, r.destinationVersion].join("\u0001");
}

/** One row per key (a single INSERT … ON CONFLICT DO UPDATE may touch a row only once), sorted by key. */
function mergeByKey(rollups: MetricRollupReport[]): MetricRollupReport[] {
  const byKey = new Map<string, MetricRollupReport>();
  for (const rollup of rollups) {
    const key = keyOf(rollup);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...rollup, statusCounts: { ...rollup.statusCounts }, latencyBuckets: [...rollup.latencyBuckets] });
      continue;
    }
    for (const [status, count] of Object.entries(rollup.statusCounts)) seen.statusCounts[status] = (seen.statusCounts[status] ?? 0) + count;
    addLatencyCounts(seen.latencyBuckets, rollup.latencyBuckets);
    seen.latencySumMs += rollup.latencySumMs;
    seen.mtls &&= rollup.mtls;
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, rollup]) => rollup);
}
