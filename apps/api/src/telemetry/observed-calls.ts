import type { PrismaClient } from "../db/client.ts";

/** One method and path a caller used on a destination, and how often, as the destination's agent logged it. */
export interface ObservedCall {
  source: string;
  destination: string;
  method: string;
  path: string;
  count: number;
}

/** Enough rows for every edge's common paths without reading a busy mesh's whole log. */
const MAX_ROWS = 2000;

/**
 * The calls seen over [from, to), most-seen first, from the destinations' access logs (inbound: the side that
 * authorizes, so denied calls are in it), or the callers' logs for an edge whose destination logged nothing.
 * Paths are as the agent logged them (normalised, query kept).
 */
export async function observedCalls(prisma: PrismaClient, from: number, to: number, edge?: { source: string; destination: string }): Promise<ObservedCall[]> {
  const rows = await prisma.accessLog.groupBy({
    by: ["direction", "source", "destination", "method", "path"],
    where: { time: { gte: new Date(from), lt: new Date(to) }, ...(edge ?? {}) },
    _count: { _all: true },
    orderBy: { _count: { path: "desc" } },
    take: MAX_ROWS,
  });
  const loggedInbound = new Set(rows.filter((row) => row.direction === "inbound").map((row) => `${row.source}\u0001${row.destination}`));
  return rows
    .filter((row) => row.direction === "inbound" || !loggedInbound.has(`${row.source}\u0001${row.destination}`))
    .map((row) => ({ source: row.source, destination: row.destination, method: row.method, path: row.path, count: row._count._all }));
}
