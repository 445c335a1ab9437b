import { DEFAULT_MESH_CONFIG, meshConfigSpecSchema, type AccessPolicySpec, type Endpoint, type MeshConfigSpec, type TrafficPolicySpec } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";
import { ENDPOINT_HEALTH } from "./liveness.ts";

/** Everything snapshots are made from, read in one consistent database snapshot. */
export interface MeshState {
  revision: number;
  meshConfig: MeshConfigSpec;
  trafficPolicies: Map<string, TrafficPolicySpec>;
  accessPolicies: { name: string; spec: AccessPolicySpec }[];
  /** Every service: registered ones and those a TrafficPolicy names, sorted. */
  services: string[];
  /** Live endpoints per service, ordered by version then instance. */
  endpoints: Map<string, Endpoint[]>;
  /** Instances not deregistered (endpoints or not): only their agents may go on receiving config. */
  registeredInstances: Set<string>;
}

export async function loadMeshState(prisma: PrismaClient): Promise<MeshState> {
  const [latestRevision, meshConfig, trafficPolicies, accessPolicies, services, instances, registered] = await prisma.$transaction(
    [
      prisma.revision.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
      prisma.meshConfig.findUnique({ where: { name: "default" } }),
      prisma.trafficPolicy.findMany({ orderBy: { name: "asc" } }),
      prisma.accessPolicy.findMany({ orderBy: { name: "asc" } }),
      prisma.service.findMany({ select: { name: true } }),
      prisma.instance.findMany({
        where: { deregisteredAt: null, health: { in: [...ENDPOINT_HEALTH] } },
        select: { id: true, serviceName: true, version: true, address: true, inboundPort: true },
        orderBy: [{ serviceName: "asc" }, { version: "asc" }, { id: "asc" }],
      }),
      prisma.instance.findMany({ where: { deregisteredAt: null }, select: { id: true } }),
    ],
    { isolationLevel: "RepeatableRead" },
  );

  const endpoints = new Map<string, Endpoint[]>();
  for (const instance of instances) {
    const list = endpoints.get(instance.serviceName) ?? [];
    list.push({ instanceId: instance.id, version: instance.version, address: instance.address, port: instance.inboundPort });
    endpoints.set(instance.serviceName, list);
  }
  const names = new Set([...services.map((s) => s.name), ...trafficPolicies.map((p) => p.name)]);
  return {
    revision: latestRevision?.id ?? 0,
    // Parsed so that defaults added to the schema after the row was written reach agents too.
    meshConfig: meshConfig ? meshConfigSpecSchema.parse(meshConfig.spec) : DEFAULT_MESH_CONFIG,
    trafficPolicies: new Map(trafficPolicies.map((p) => [p.name, p.spec as TrafficPolicySpec])),
    accessPolicies: accessPolicies.map((p) => ({ name: p.name, spec: p.spec as AccessPolicySpec })),
    services: [...names].sort(),
    endpoints,
    registeredInstances: new Set(registered.map((instance) => instance.id)),
  };
}
