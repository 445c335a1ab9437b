import { accessPolicySpecSchema, formatPath, meshConfigSpecSchema, trafficPolicySpecSchema, type AgentSnapshot } from "@mesh/shared";

/**
 * Why this agent cannot run `snapshot`, or null when it can. The control plane validated every resource before
 * writing it, but a snapshot can still be one this agent's schemas refuse: a newer control plane's fields, or a row
 * changed behind the API's back. Running half of such a config would be worse than keeping the last good one.
 */
export function snapshotProblem(snapshot: AgentSnapshot, service: string): string | null {
  if (snapshot.service !== service) return `it is for service "${snapshot.service}", not "${service}"`;
  const problems = [
    ...issues(meshConfigSpecSchema, snapshot.meshConfig, "MeshConfig/default"),
    ...Object.entries(snapshot.destinations).flatMap(([name, destination]) =>
      destination.trafficPolicy === null ? [] : issues(trafficPolicySpecSchema, destination.trafficPolicy, `TrafficPolicy/${name}`),
    ),
    ...snapshot.inbound.accessPolicies.flatMap((policy) => issues(accessPolicySpecSchema, policy.spec, `AccessPolicy/${policy.name}`)),
  ];
  return problems.length ? problems.join("; ") : null;
}

/** What of a zod schema this needs (the agent does not depend on zod itself). */
interface SpecSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

function issues(schema: SpecSchema, spec: unknown, resource: string): string[] {
  const result = schema.safeParse(spec);
  return result.success ? [] : result.error.issues.map((issue) => `${resource}: spec.${formatPath(issue.path)}: ${issue.message}`);
}
