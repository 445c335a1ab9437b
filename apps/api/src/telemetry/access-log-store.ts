import type { AccessLogEntry } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";
import { jsonParameter } from "./json-parameter.ts";

type Statement = ReturnType<PrismaClient["$executeRawUnsafe"]>;

/** A batch of access-log lines in one statement. */
export function insertAccessLogs(prisma: PrismaClient, entries: AccessLogEntry[]): Statement | null {
  if (entries.length === 0) return null;
  return prisma.$executeRawUnsafe(
    `INSERT INTO "AccessLog" ("time", "direction", "source", "destination", "version", "method", "path", "status", "durationMs", "cause", "traceId")
     SELECT to_timestamp(r."time" / 1000.0) AT TIME ZONE 'UTC', r."direction", r."source", r."destination", r."version", r."method",
            r."path", r."status", r."durationMs", r."cause", r."traceId"
       FROM jsonb_to_recordset($1::jsonb) AS r("time" bigint, "direction" text, "source" text, "destination" text, "version" text,
            "method" text, "path" text, "status" int, "durationMs" double precision, "cause" text, "traceId" text)`,
    jsonParameter(entries),
  );
}
