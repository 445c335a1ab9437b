import { DEFAULT_MESH_CONFIG, meshConfigSpecSchema, type Resource } from "@mesh/shared";
import type { PrismaClient } from "../db/client.ts";
import type { ResourceState } from "../resource-store/documents.ts";
import { stateAfterRevision } from "../resource-store/revision-history.ts";
import type { MeshState } from "./mesh-state.ts";
import { snapshotFromState } from "./snapshot.ts";

/** Resources after a revision never change: kept for the rollouts being watched, per database client. */
const CACHED_REVISIONS = 64;
const caches = new WeakMap<PrismaClient, Map<number, Promise<ResourceState>>>();

/**
 * Which of `services` revision `revision` changes the config of: those whose snapshot, built by the very function
 * that builds what agents receive, differs between the resources before and after it (endpoints and the revision
 * number left out, being the same on both sides). Today every snapshot carries every destination's TrafficPolicy
 * and the MeshConfig, so only AccessPolicy changes (inbound rules of their target) affect fewer than all services.
 */
export async function servicesAffectedBy(prisma: PrismaClient, revision: number, services: Iterable<string>): Promise<Set<string>> {
  const [before, after] = await Promise.all([resourcesAfter(prisma, revision - 1), resourcesAfter(prisma, revision)]);
  const candidates = [...new Set(services)];
  const beforeState = meshStateOf(before, candidates);
  const afterState = meshStateOf(after, candidates);
  const configOf = (state: MeshState, service: string) => JSON.stringify(snapshotFromState(state, service, ""));
  return new Set(candidates.filter((service) => configOf(beforeState, service) !== configOf(afterState, service)));
}

function resourcesAfter(prisma: PrismaClient, revision: number): Promise<ResourceState> {
  if (revision < 1) return Promise.resolve(new Map());
  let cache = caches.get(prisma);
  if (!cache) caches.set(prisma, (cache = new Map()));
  let loaded = cache.get(revision);
  if (!loaded) {
    loaded = stateAfterRevision(prisma, revision);
    loaded.catch(() => cache.delete(revision));
    cache.set(revision, loaded);
    if (cache.size > CACHED_REVISIONS) cache.delete(cache.keys().next().value!);
  }
  return loaded;
}

/** The policy half of a MeshState, as loadMeshState would read it from these resources (no endpoints). */
function meshStateOf(resources: ResourceState, services: string[]): MeshState {
  const all = [...resources.values()];
  const ofKind = <K extends Resource["kind"]>(kind: K) => all.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const meshConfig = ofKind("MeshConfig").find((r) => r.metadata.name === "default");
  const trafficPolicies = ofKind("TrafficPolicy");
  return {
    revision: 0,
    meshConfig: meshConfig ? meshConfigSpecSchema.parse(meshConfig.spec) : DEFAULT_MESH_CONFIG,
    trafficPolicies: new Map(trafficPolicies.map((r) => [r.metadata.name, r.spec])),
    accessPolicies: ofKind("AccessPolicy").map((r) => ({ name: r.metadata.name, spec: r.spec })),
    services: [...new Set([...services, ...trafficPolicies.map((r) => r.metadata.name)])].sort(),
    endpoints: new Map(),
    registeredInstances: new Set(),
  };
}
