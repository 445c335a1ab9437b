import { TRPCError } from "@trpc/server";
import { serviceNameSchema, type AccessPolicySpec, type TrafficPolicySpec } from "@mesh/shared";
import { z } from "zod";
import { EXPIRED_HEALTH } from "../config-push/liveness.ts";
import type { PrismaClient } from "../db/client.ts";
import { router, viewerProcedure } from "../trpc.ts";

export interface ServiceInstance {
  instanceId: string;
  version: string;
  address: string;
  inboundPort: number;
  agentVersion: string | null;
  health: string;
  appliedRevision: number | null;
  lastHeartbeatAt: string;
}

export interface ServiceSummary {
  name: string;
  /** Versions with a live instance, sorted. */
  versions: string[];
  instances: ServiceInstance[];
}

/** Live instances (registered, not expired) grouped by service, for the services that `names` lists (all when omitted). */
async function summarizeServices(prisma: PrismaClient, names?: string[]): Promise<ServiceSummary[]> {
  const [services, policies, instances] = await Promise.all([
    prisma.service.findMany({ where: names ? { name: { in: names } } : {}, select: { name: true } }),
    prisma.trafficPolicy.findMany({ where: names ? { name: { in: names } } : {}, select: { name: true } }),
    prisma.instance.findMany({
      where: { deregisteredAt: null, health: { not: EXPIRED_HEALTH }, ...(names ? { serviceName: { in: names } } : {}) },
      orderBy: [{ version: "asc" }, { registeredAt: "asc" }],
    }),
  ]);
  const allNames = [...new Set([...services.map((s) => s.name), ...policies.map((p) => p.name)])].sort();
  return allNames.map((name) => {
    const own = instances.filter((instance) => instance.serviceName === name);
    return {
      name,
      versions: [...new Set(own.map((instance) => instance.version))].sort(),
      instances: own.map((instance) => ({
        instanceId: instance.id,
        version: instance.version,
        address: instance.address,
        inboundPort: instance.inboundPort,
        agentVersion: instance.agentVersion,
        health: instance.health,
        appliedRevision: instance.appliedRevision,
        lastHeartbeatAt: instance.lastHeartbeatAt.toISOString(),
      })),
    };
  });
}

export const servicesRouter = router({
  list: viewerProcedure.query(({ ctx }) => summarizeServices(ctx.deps.prisma)),

  get: viewerProcedure.input(z.strictObject({ name: serviceNameSchema })).query(async ({ ctx, input }) => {
    const [summary] = await summarizeServices(ctx.deps.prisma, [input.name]);
    if (!summary) throw new TRPCError({ code: "NOT_FOUND", message: `no service named ${input.name}` });
    const [trafficPolicy, accessPolicies] = await Promise.all([
      ctx.deps.prisma.trafficPolicy.findUnique({ where: { name: input.name } }),
      ctx.deps.prisma.accessPolicy.findMany({ where: { target: input.name }, orderBy: { name: "asc" } }),
    ]);
    return {
      ...summary,
      trafficPolicy: (trafficPolicy?.spec ?? null) as TrafficPolicySpec | null,
      accessPolicies: accessPolicies.map((policy) => ({ name: policy.name, spec: policy.spec as AccessPolicySpec })),
    };
  }),
});
