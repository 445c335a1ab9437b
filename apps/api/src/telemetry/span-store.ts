import type { PrismaClient } from "../db/client.ts";
import type { SpanRow } from "./otlp-json.ts";
import { jsonParameter } from "./json-parameter.ts";

/**
 * Writes a batch of spans in one statement: the rows travel as one JSON parameter and are unpacked by
 * jsonb_to_recordset. A span already stored (an exporter's retry) is skipped.
 */
export async function insertSpans(prisma: PrismaClient, rows: SpanRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return prisma.$executeRawUnsafe(
    `INSERT INTO "Span" ("traceId", "spanId", "parentSpanId", "name", "kind", "service", "version", "startTime",
                         "durationMs", "httpStatus", "error", "meshError", "attributes")
     SELECT r."traceId", r."spanId", r."parentSpanId", r."name", r."kind", r."service", r."version",
            to_timestamp(r."startMs" / 1000.0) AT TIME ZONE 'UTC',
            r."durationMs", r."httpStatus", r."error", r."meshError", r."attributes"
       FROM jsonb_to_recordset($1::jsonb) AS r("traceId" text, "spanId" text, "parentSpanId" text, "name" text, "kind" text,
            "service" text, "version" text, "startMs" double precision, "durationMs" double precision, "httpStatus" int,
            "error" boolean, "meshError" text, "attributes" jsonb)
     ON CONFLICT DO NOTHING`,
    jsonParameter(rows),
  );
}
