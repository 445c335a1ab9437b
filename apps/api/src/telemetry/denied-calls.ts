import { checkAccess, DEFAULT_MESH_CONFIG, meshConfigSpecSchema, type AccessPolicySpec } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";

/** Calls a destination's agent refused on access policy, per edge, over a window. */
export interface DeniedCalls {
  count: number;
  /** Share of the edge's calls that were denied, 0..100, both counted from the same access log over the same window. */
  percent: number;
  /**
   * The policy that decided: from the spans' mesh.error.detail, else what the current policies decide on the
   * most-seen denied call (spans are sampled); null when defaultAccess decided.
   */
  policy: string | null;
}

const edgeKey = (source: string, destination: string) => `${source}\u0001${destination}`;

/** How many spans to read for the deciding policy: the newest ones per window are enough to name it. */
const POLICY_SPANS = 500;

/**
 * Denied calls per edge: counted from the destination's access log (every request, cause "denied"),
 * named from its spans (sampled; the agent puts the deciding policy in mesh.error.detail).
 */
export async function deniedCalls(prisma: PrismaClient, from: number, to: number): Promise<DeniedCallsIndex> {
  const time = { gte: new Date(from), lt: new Date(to) };
  const [counts, totals, spans] = await Promise.all([
    prisma.accessLog.groupBy({
      by: ["source", "destination", "method", "path"],
      where: { direction: "inbound", cause: "denied", time },
      _count: { _all: true },
      orderBy: { _count: { path: "desc" } },
    }),
    prisma.accessLog.groupBy({ by: ["source", "destination"], where: { direction: "inbound", time }, _count: { _all: true } }),
    prisma.span.findMany({
      where: { meshError: "denied", kind: "server", startTime: time },
      orderBy: { startTime: "desc" },
      take: POLICY_SPANS,
      select: { attributes: true },
    }),
  ]);
  const policies = new Map<string, string>();
  for (const { attributes } of spans) {
    const a = attributes as Record<string, unknown>;
    const detail = a["mesh.error.detail"];
    if (typeof a["mesh.source"] !== "string" || typeof a["mesh.destination"] !== "string" || typeof detail !== "string") continue;
    const key = edgeKey(a["mesh.source"], a["mesh.destination"]);
    if (!policies.has(key)) policies.set(key, detail);
  }
  const denied = new Map<string, DeniedCalls>();
  const unnamed: { key: string; source: string; destination: string; method: string; path: string }[] = [];
  for (const row of counts) {
    const key = edgeKey(row.source, row.destination);
    const seen = denied.get(key);
    if (seen) {
      seen.count += row._count._all;
      continue;
    }
    // Rows come most-seen first, so the first row of an edge is its most-seen denied call.
    denied.set(key, { count: row._count._all, percent: 0, policy: policies.get(key) ?? null });
    if (!policies.has(key)) unnamed.push({ key, ...row });
  }
  const callsInto = new Map<string, number>();
  for (const total of totals) {
    callsInto.set(total.destination, (callsInto.get(total.destination) ?? 0) + total._count._all);
    const calls = denied.get(edgeKey(total.source, total.destination));
    if (calls) calls.percent = Math.min(100, (100 * calls.count) / total._count._all);
  }
  if (unnamed.length > 0) await nameFromCurrentPolicies(prisma, denied, unnamed);
  return new DeniedCallsIndex(denied, callsInto);
}

/** Denied calls per edge, and into each service out of all its inbound calls. */
export class DeniedCallsIndex {
  constructor(
    private readonly byEdge: Map<string, DeniedCalls>,
    private readonly callsInto: Map<string, number>,
  ) {}

  on(source: string, destination: string): DeniedCalls {
    return this.byEdge.get(edgeKey(source, destination)) ?? { count: 0, percent: 0, policy: null };
  }

  /** Every denied call into a service, and the policy when one policy decided them all. */
  into(service: string): DeniedCalls {
    let count = 0;
    const policies = new Set<string | null>();
    for (const [key, calls] of this.byEdge) {
      if (key.split("\u0001")[1] !== service) continue;
      count += calls.count;
      policies.add(calls.policy);
    }
    const total = this.callsInto.get(service) ?? 0;
    return { count, percent: total > 0 ? Math.min(100, (100 * count) / total) : 0, policy: policies.size === 1 ? [...policies][0]! : null };
  }
}

async function nameFromCurrentPolicies(
  prisma: PrismaClient,
  denied: Map<string, DeniedCalls>,
  calls: { key: string; source: string; destination: string; method: string; path: string }[],
): Promise<void> {
  const [policies, meshConfig] = await Promise.all([
    prisma.accessPolicy.findMany({ where: { target: { in: [...new Set(calls.map((c) => c.destination))] } }, select: { name: true, spec: true } }),
    prisma.meshConfig.findUnique({ where: { name: "default" } }),
  ]);
  const defaultAccess = (meshConfig ? meshConfigSpecSchema.parse(meshConfig.spec) : DEFAULT_MESH_CONFIG).defaultAccess;
  const named = policies.map((p) => ({ name: p.name, spec: p.spec as AccessPolicySpec }));
  for (const call of calls) {
    const decision = checkAccess(named.filter((p) => p.spec.target === call.destination), defaultAccess, { source: call.source, target: call.destination, method: call.method, path: call.path });
    if (!decision.allowed && decision.policy) denied.get(call.key)!.policy = decision.policy;
  }
}
