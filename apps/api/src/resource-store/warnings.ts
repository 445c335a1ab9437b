import type { Resource } from "@mesh/shared";
import { ENDPOINT_HEALTH, INSTANCE_TTL_MS } from "../config-push/liveness.ts";
import type { Db } from "./documents.ts";

/** Things that are valid but probably not what the author meant: names of services or versions nothing runs yet. */
export async function resourceWarnings(db: Db, resources: readonly Resource[]): Promise<string[]> {
  const [services, live] = await Promise.all([
    db.service.findMany({ select: { name: true } }),
    db.instance.findMany({
      where: { deregisteredAt: null, health: { in: [...ENDPOINT_HEALTH] }, lastHeartbeatAt: { gt: new Date(Date.now() - INSTANCE_TTL_MS) } },
      select: { serviceName: true, version: true },
      distinct: ["serviceName", "version"],
    }),
  ]);
  const known = new Set(services.map((s) => s.name));
  const liveVersions = new Map<string, Set<string>>();
  for (const i of live) liveVersions.set(i.serviceName, (liveVersions.get(i.serviceName) ?? new Set()).add(i.version));
  const unknown = (service: string) => `service "${service}" is not known to the mesh yet (no instance has registered); this takes effect once one does`;

  const warnings: string[] = [];
  for (const resource of resources) {
    const label = `${resource.kind}/${resource.metadata.name}`;
    if (resource.kind === "TrafficPolicy") {
      const service = resource.metadata.name;
      if (!known.has(service)) {
        warnings.push(`${label}: ${unknown(service)}`);
        continue;
      }
      resource.spec.routes?.forEach((route, r) =>
        route.backends.forEach((backend, b) => {
          if (!liveVersions.get(service)?.has(backend.version)) {
            warnings.push(`${label}: spec.routes[${r}].backends[${b}]: version ${backend.version} of ${service} has no live instance; its share of requests fails with 503 no-healthy-endpoints until one runs`);
          }
        }),
      );
    }
    if (resource.kind === "AccessPolicy") {
      if (!known.has(resource.spec.target)) warnings.push(`${label}: spec.target: ${unknown(resource.spec.target)}`);
      resource.spec.from.forEach((caller, i) => {
        if (caller !== "*" && !known.has(caller)) warnings.push(`${label}: spec.from[${i}]: ${unknown(caller)}`);
      });
    }
  }
  return warnings;
}
