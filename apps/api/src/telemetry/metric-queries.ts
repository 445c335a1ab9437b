import { ROLLUP_INTERVAL_MS, rollupBucketStart } from "@mesh/shared";
import { EXPIRED_HEALTH } from "../config-push/liveness.ts";
import type { PrismaClient } from "../db/client.ts";
import { deniedCalls, type DeniedCalls } from "./denied-calls.ts";
import { redSeries, RollupTotals, type RedPoint, type RedStats, type RollupLike } from "./rollup-series.ts";

/**
 * Whose requests: a service (as its own agents saw them arrive, optionally one version), or an edge
 * (as the caller's agents saw them leave, which includes retries, timeouts and circuit-open answers
 * that never reached the destination; the destination's view when the caller has no agent).
 */
export type RedTarget = { service: string; version?: string } | { edge: { source: string; destination: string } };

export interface RedResult {
  stepSeconds: number;
  totals: RedStats & { statusCounts: Record<string, number> };
  points: RedPoint[];
}

/**
 * Seconds of [from, to) that the rollups cover: from the earliest bucket (at least one bucket long),
 * as Prometheus's rate() does, so a mesh started a minute ago shows its real req/s, not a fifteenth of it.
 */
function coveredSeconds(rollups: readonly { bucketStart: Date }[], from: number, to: number): number {
  if (rollups.length === 0) return (to - from) / 1000;
  const earliest = Math.min(...rollups.map((rollup) => rollup.bucketStart.getTime()));
  const start = Math.min(Math.max(from, earliest), to - ROLLUP_INTERVAL_MS);
  return (to - Math.max(from, start)) / 1000;
}

const ROLLUP_FIELDS = { bucketStart: true, requests: true, errors: true, statusCounts: true, latencyBuckets: true, mtls: true } as const;

export async function redMetrics(prisma: PrismaClient, target: RedTarget, from: number, to: number, stepMs: number): Promise<RedResult> {
  const bucketStart = { gte: new Date(Math.floor(from / stepMs) * stepMs), lt: new Date(to) };
  let rollups: RollupLike[];
  if ("edge" in target) {
    const { source, destination } = target.edge;
    rollups = await prisma.metricRollup.findMany({ where: { direction: "outbound", source, destination, bucketStart }, select: ROLLUP_FIELDS });
    if (rollups.length === 0) {
      rollups = await prisma.metricRollup.findMany({ where: { direction: "inbound", source, destination, bucketStart }, select: ROLLUP_FIELDS });
    }
  } else {
    rollups = await prisma.metricRollup.findMany({
      where: { direction: "inbound", destination: target.service, bucketStart, ...(target.version ? { destinationVersion: target.version } : {}) },
      select: ROLLUP_FIELDS,
    });
  }
  const totals = new RollupTotals();
  for (const rollup of rollups) totals.add(rollup);
  return {
    stepSeconds: stepMs / 1000,
    totals: { ...totals.stats(coveredSeconds(rollups, from, to)), statusCounts: totals.statusCounts },
    points: redSeries(rollups, from, to, stepMs),
  };
}

export interface GraphNode extends RedStats {
  service: string;
  versions: string[];
  /** Inbound calls its agents refused on access policy. */
  denied: DeniedCalls;
}

export interface GraphEdge extends RedStats {
  source: string;
  destination: string;
  /** Every request on this edge in the window went over mTLS. */
  mtls: boolean;
  /** Calls the destination's agents refused on access policy, and the policy that decided. */
  denied: DeniedCalls;
}

/**
 * The service graph over [from, to): every known service (registered or seen in traffic) with what
 * reached it, and every edge with what its callers saw.
 */
export async function serviceGraph(prisma: PrismaClient, from: number, to: number): Promise<{ nodes: GraphNode[]; edges: GraphEdge[] }> {
  const [rollups, services, denied] = await Promise.all([
    prisma.metricRollup.findMany({
      // A rollup counts when its 10 s bucket overlaps the window.
      where: { bucketStart: { gte: new Date(rollupBucketStart(from)), lt: new Date(to) } },
      select: { ...ROLLUP_FIELDS, direction: true, source: true, destination: true, destinationVersion: true },
    }),
    prisma.service.findMany({ select: { name: true, instances: { where: { deregisteredAt: null, health: { not: EXPIRED_HEALTH } }, select: { version: true } } } }),
    deniedCalls(prisma, from, to),
  ]);

  const seconds = coveredSeconds(rollups, from, to);
  const versions = new Map<string, Set<string>>();
  const versionsOf = (service: string): Set<string> => {
    let set = versions.get(service);
    if (!set) versions.set(service, (set = new Set()));
    return set;
  };
  for (const service of services) for (const instance of service.instances) versionsOf(service.name).add(instance.version);

  const inbound = new Map<string, RollupTotals>();
  const edges = new Map<string, { outbound: RollupTotals | null; inbound: RollupTotals | null; source: string; destination: string }>();
  for (const rollup of rollups) {
    versionsOf(rollup.source);
    versionsOf(rollup.destination);
    if (rollup.direction === "inbound") {
      if (rollup.destinationVersion) versionsOf(rollup.destination).add(rollup.destinationVersion);
      totalsIn(inbound, rollup.destination).add(rollup);
    }
    const key = `${rollup.source}\u0001${rollup.destination}`;
    let edge = edges.get(key);
    if (!edge) edges.set(key, (edge = { outbound: null, inbound: null, source: rollup.source, destination: rollup.destination }));
    const side = rollup.direction === "outbound" ? "outbound" : "inbound";
    (edge[side] ??= new RollupTotals()).add(rollup);
  }

  return {
    nodes: [...versions.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, serviceVersions]) => ({
        service,
        versions: [...serviceVersions].sort(),
        ...(inbound.get(service) ?? new RollupTotals()).stats(seconds),
        denied: denied.into(service),
      })),
    edges: [...edges.values()]
      .sort((a, b) => a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination))
      .map(({ source, destination, outbound, inbound: seenByDestination }) => {
        const totals = (outbound ?? seenByDestination)!;
        return { source, destination, mtls: totals.mtls, ...totals.stats(seconds), denied: denied.on(source, destination) };
      }),
  };
}

function totalsIn(map: Map<string, RollupTotals>, key: string): RollupTotals {
  let totals = map.get(key);
  if (!totals) map.set(key, (totals = new RollupTotals()));
  return totals;
}

