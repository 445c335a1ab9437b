import type { PrismaClient } from "../db/client.ts";
import type { Prisma } from "../db/generated/client.ts";

export interface LogFilter {
  /** Requests this service made or received. */
  service?: string;
  direction?: "outbound" | "inbound";
  /** An exact status (404) or a class ("5xx"). */
  status?: number | `${1 | 2 | 3 | 4 | 5}xx`;
  traceId?: string;
  from: number;
  to: number;
  limit: number;
}

export interface AccessLogLine {
  id: string;
  time: number;
  direction: string;
  source: string;
  destination: string;
  version: string | null;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  cause: string | null;
  traceId: string | null;
}

export async function searchLogs(prisma: PrismaClient, filter: LogFilter): Promise<AccessLogLine[]> {
  const where: Prisma.AccessLogWhereInput = { time: { gte: new Date(filter.from), lt: new Date(filter.to) } };
  if (filter.service) where.OR = [{ source: filter.service }, { destination: filter.service }];
  if (filter.direction) where.direction = filter.direction;
  if (filter.traceId) where.traceId = filter.traceId;
  if (typeof filter.status === "number") where.status = filter.status;
  else if (filter.status) {
    const hundreds = Number(filter.status[0]) * 100;
    where.status = { gte: hundreds, lt: hundreds + 100 };
  }
  const rows = await prisma.accessLog.findMany({ where, orderBy: [{ time: "desc" }, { id: "desc" }], take: filter.limit });
  return rows.map((row) => ({ ...row, id: row.id.toString(), time: row.time.getTime() }));
}
