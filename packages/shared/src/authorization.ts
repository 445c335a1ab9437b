import type { AccessPolicySpec, MeshConfigSpec } from "./resources.ts";
import { normalizeRequestPath } from "./request-target.ts";
import { stripQuery } from "./route-match.ts";

export interface NamedAccessPolicy {
  name: string;
  spec: AccessPolicySpec;
}

export interface AccessRequest {
  /** The caller's service from its verified mTLS certificate; null when it presented none. */
  source: string | null;
  target: string;
  method: string;
  path: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** The AccessPolicy that decided, or null when defaultAccess did. */
  policy: string | null;
  /** One sentence for people: logs, `mesh check`, the dashboard. */
  reason: string;
  /** Audit policies that matched; they never change the decision. */
  audited: string[];
}

/** The AccessPolicies of one target, split by action and in decision order: what an agent runs for every request. */
export interface CompiledAccessPolicies {
  target: string;
  denies: readonly NamedAccessPolicy[];
  allows: readonly NamedAccessPolicy[];
  audits: readonly NamedAccessPolicy[];
}

/** Done once per config, not per request: the policies targeting `target`, by name within each action. */
export function compileAccessPolicies(policies: readonly NamedAccessPolicy[], target: string): CompiledAccessPolicies {
  const targeting = policies.filter((p) => p.spec.target === target).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    target,
    denies: targeting.filter((p) => p.spec.action === "deny"),
    allows: targeting.filter((p) => p.spec.action === "allow"),
    audits: targeting.filter((p) => p.spec.action === "audit"),
  };
}

/**
 * The one authorization rule of the mesh, run by the destination's agent and by `mesh check`
 * and the dashboard: deny policies first, then allow policies; when no allow policy targets the
 * service, MeshConfig.defaultAccess decides. Audit policies are recorded, never enforced.
 * The path must already be normalised (`normalizeRequestTarget`); `checkAccess` does it for people.
 */
export function authorize(
  policies: readonly NamedAccessPolicy[],
  defaultAccess: MeshConfigSpec["defaultAccess"],
  request: AccessRequest,
): AccessDecision {
  return decideAccess(compileAccessPolicies(policies, request.target), defaultAccess, request);
}

const NONE: string[] = [];

/** `authorize` on policies compiled for the request's target. */
export function decideAccess(compiled: CompiledAccessPolicies, defaultAccess: MeshConfigSpec["defaultAccess"], request: AccessRequest): AccessDecision {
  let audited = NONE;
  for (const p of compiled.audits) if (policyMatches(p.spec, request)) (audited === NONE ? (audited = []) : audited).push(p.name);
  const caller = request.source ?? "an unauthenticated caller";

  const deny = compiled.denies.find((p) => policyMatches(p.spec, request));
  if (deny) return { allowed: false, policy: deny.name, reason: `denied by ${deny.name}: ${caller} → ${request.target} ${request.method} ${request.path}`, audited };

  const allows = compiled.allows;
  if (allows.length === 0) {
    const allowed = defaultAccess === "allow";
    return {
      allowed,
      policy: null,
      reason: `no allow policy targets ${request.target}; defaultAccess is ${defaultAccess}`,
      audited,
    };
  }
  const allow = allows.find((p) => policyMatches(p.spec, request));
  if (allow) return { allowed: true, policy: allow.name, reason: `allowed by ${allow.name}`, audited };
  return {
    allowed: false,
    policy: allows.length === 1 ? allows[0]!.name : null,
    reason: `no allow policy for ${request.target} matches ${caller} ${request.method} ${request.path} (checked ${allows.map((p) => p.name).join(", ")})`,
    audited,
  };
}

export interface AccessCheck extends AccessDecision {
  /** The path the decision was made on, as the agent normalises it; null when the agent would refuse it with 400. */
  path: string | null;
}

/**
 * The decision for a path as a person or a draft gives it (`mesh check`, the dashboard): the path
 * is normalised first, exactly as the destination's agent does before it calls `authorize`.
 */
export function checkAccess(
  policies: readonly NamedAccessPolicy[],
  defaultAccess: MeshConfigSpec["defaultAccess"],
  request: AccessRequest,
): AccessCheck {
  const normalized = normalizeRequestPath(request.path);
  if (!normalized.ok) return { allowed: false, policy: null, reason: `the agent refuses this path with 400 invalid-path: ${normalized.reason}`, audited: [], path: null };
  return { ...authorize(policies, defaultAccess, { ...request, path: normalized.path }), path: normalized.path };
}

export function policyMatches(spec: AccessPolicySpec, request: AccessRequest): boolean {
  if (!matchesSource(spec.from, request.source)) return false;
  if (!spec.to) return true;
  const path = stripQuery(request.path);
  return spec.to.some(
    (rule) =>
      (!rule.methods || rule.methods.includes(request.method as never)) &&
      (!rule.paths || rule.paths.some((pattern) => matchesPathPattern(pattern, path))),
  );
}

/** "*" is any authenticated mesh identity; a caller without a certificate matches nothing. */
function matchesSource(from: readonly string[], source: string | null): boolean {
  if (source === null) return false;
  return from.includes("*") || from.includes(source);
}

export function matchesPathPattern(pattern: string, path: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    // "/ratings/*" also covers "/ratings" itself, as people expect.
    return path.startsWith(prefix) || (prefix.endsWith("/") && path === prefix.slice(0, -1));
  }
  if (pattern.startsWith("*")) return path.endsWith(pattern.slice(1));
  return path === pattern;
}
