import { isDeepStrictEqual } from "node:util";
import { API_VERSION, resourceKey, type Resource, type ResourceKind } from "@mesh/shared";
import { Prisma } from "../db/generated/client.ts";

export type Db = Prisma.TransactionClient;

/** Current resources by "Kind/name". */
export type ResourceState = Map<string, Resource>;

interface ResourceRow {
  name: string;
  labels: unknown;
  spec: unknown;
}

function documentFromRow(kind: ResourceKind, row: ResourceRow): Resource {
  const labels = row.labels as Record<string, string> | null;
  return { apiVersion: API_VERSION, kind, metadata: labels ? { name: row.name, labels } : { name: row.name }, spec: row.spec } as Resource;
}

/** The resources as stored, optionally of one kind and name, ordered by kind then name. */
export async function loadResources(db: Db, filter: { kind?: ResourceKind; name?: string } = {}): Promise<Resource[]> {
  const where = filter.name === undefined ? {} : { name: filter.name };
  const wants = (kind: ResourceKind) => filter.kind === undefined || filter.kind === kind;
  const [meshConfigs, trafficPolicies, accessPolicies] = await Promise.all([
    wants("MeshConfig") ? db.meshConfig.findMany({ where, orderBy: { name: "asc" } }) : [],
    wants("TrafficPolicy") ? db.trafficPolicy.findMany({ where, orderBy: { name: "asc" } }) : [],
    wants("AccessPolicy") ? db.accessPolicy.findMany({ where, orderBy: { name: "asc" } }) : [],
  ]);
  return [
    ...meshConfigs.map((row) => documentFromRow("MeshConfig", row)),
    ...trafficPolicies.map((row) => documentFromRow("TrafficPolicy", row)),
    ...accessPolicies.map((row) => documentFromRow("AccessPolicy", row)),
  ];
}

export async function loadResourceState(db: Db): Promise<ResourceState> {
  return new Map((await loadResources(db)).map((r) => [resourceKey(r), r]));
}

/** The document as JSON stores it: no undefined members, so stored and submitted copies compare equal. */
export function normalizeDocument(resource: Resource): Resource {
  return JSON.parse(JSON.stringify(resource)) as Resource;
}

export function sameDocument(a: Resource | null, b: Resource | null): boolean {
  return isDeepStrictEqual(a && normalizeDocument(a), b && normalizeDocument(b));
}

/** Writes one resource's new state (null = deleted), stamped with the revision that made it. */
export async function writeResource(db: Db, kind: ResourceKind, name: string, after: Resource | null, revisionId: number): Promise<void> {
  if (after === null) {
    if (kind === "MeshConfig") await db.meshConfig.delete({ where: { name } });
    else if (kind === "TrafficPolicy") await db.trafficPolicy.delete({ where: { name } });
    else await db.accessPolicy.delete({ where: { name } });
    return;
  }
  const data = {
    labels: after.metadata.labels ?? Prisma.DbNull,
    spec: normalizeDocument(after).spec as Prisma.InputJsonValue,
    revisionId,
  };
  if (after.kind === "MeshConfig") await db.meshConfig.upsert({ where: { name }, create: { name, ...data }, update: data });
  else if (after.kind === "TrafficPolicy") await db.trafficPolicy.upsert({ where: { name }, create: { name, ...data }, update: data });
  else {
    const indexed = { ...data, target: after.spec.target, action: after.spec.action };
    await db.accessPolicy.upsert({ where: { name }, create: { name, ...indexed }, update: indexed });
  }
}
