import type { AccessPolicyResource, MeshConfigResource, Resource, ResourceKind, TrafficPolicyResource } from "@mesh/shared";
import { formatTable } from "./table.ts";

/** A kubectl-style summary of resources of one kind: the fields people scan for. */
export function resourceTable(kind: ResourceKind, resources: Resource[]): string {
  if (kind === "MeshConfig") {
    const rows = (resources as MeshConfigResource[]).map((r) => [r.metadata.name, r.spec.mtls, r.spec.defaultAccess, r.spec.tracing.sampling, r.spec.telemetry.retention]);
    return formatTable(["name", "mtls", "default access", "trace sampling", "retention"], rows);
  }
  if (kind === "TrafficPolicy") {
    const rows = (resources as TrafficPolicyResource[]).map((r) => [
      r.metadata.name,
      describeRoutes(r.spec.routes),
      r.spec.timeout,
      r.spec.retries ? `${r.spec.retries.attempts}x ${r.spec.retries.retryOn.join(",")}` : null,
      r.spec.loadBalancer,
      [r.spec.circuitBreaker && "circuit-breaker", r.spec.rateLimit && `rate-limit ${r.spec.rateLimit.requestsPerSecond}/s`, r.spec.faults && "faults"]
        .filter(Boolean)
        .join(", "),
    ]);
    return formatTable(["name", "routes", "timeout", "retries", "balancer", "other"], rows);
  }
  const rows = (resources as AccessPolicyResource[]).map((r) => [
    r.metadata.name,
    r.spec.target,
    r.spec.action,
    r.spec.from.join(","),
    r.spec.to ? r.spec.to.map((rule) => `${rule.methods?.join(",") ?? "*"} ${rule.paths?.join(",") ?? "*"}`).join("; ") : "*",
  ]);
  return formatTable(["name", "target", "action", "from", "to"], rows);
}

/** "[x-user] v2=100; v1=90 v3=10": each route's backends, with what it matches. */
function describeRoutes(routes: TrafficPolicyResource["spec"]["routes"]): string | null {
  if (!routes?.length) return null;
  return routes
    .map((route) => {
      const backends = route.backends.map((b) => `${b.version}=${b.weight}`).join(" ");
      const match = route.match;
      if (!match) return backends;
      const conditions = [...Object.keys(match.headers ?? {}), match.path ?? match.pathPrefix, match.methods?.join(",")].filter(Boolean);
      return `[${conditions.join(" ")}] ${backends}`;
    })
    .join("; ");
}
