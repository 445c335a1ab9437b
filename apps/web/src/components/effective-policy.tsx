"use client";
import { checkAccess, HTTP_METHODS, type MeshConfigSpec, type NamedAccessPolicy, type Route, type TrafficPolicySpec } from "@mesh/shared";
import { useState } from "react";
import { judgeObservedCalls, type SeenCall } from "../policy/judge-observed-calls.ts";

interface Props {
  /** The caller, when the policy is shown for one edge. */
  source?: string;
  destination: string;
  trafficPolicy: TrafficPolicySpec | null;
  accessPolicies: NamedAccessPolicy[];
  defaultAccess: MeshConfigSpec["defaultAccess"];
  /** The calls seen on the edge, most-seen first: the access check asks about these, not about `GET /`. */
  observed?: SeenCall[] | undefined;
}

/** What the mesh does with calls to `destination`: routes, timeout, retries, and (for an edge) the access decision. */
export function EffectivePolicy({ source, destination, trafficPolicy, accessPolicies, defaultAccess, observed }: Props) {
  return (
    <div className="stack" data-testid="effective-policy">
      <section className="stack" style={{ gap: 6 }}>
        <h3>Routes</h3>
        {trafficPolicy?.routes?.length ? (
          <ol className="route-list">
            {trafficPolicy.routes.map((route, index) => (
              <li key={index}>
                <span className="muted">{describeMatch(route)}</span> → {route.backends.map((b) => `${b.version} ${b.weight}%`).join(", ")}
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted small" style={{ margin: 0 }}>
            No routes: every live version shares the traffic.
          </p>
        )}
        <dl className="facts">
          <dt>Timeout</dt>
          <dd>{trafficPolicy?.timeout ?? "none"}</dd>
          <dt>Retries</dt>
          <dd>
            {trafficPolicy?.retries
              ? `${trafficPolicy.retries.attempts} attempts${trafficPolicy.retries.perTryTimeout ? `, ${trafficPolicy.retries.perTryTimeout} per try` : ""} on ${trafficPolicy.retries.retryOn.join(", ")}`
              : "none"}
          </dd>
          <dt>Balancer</dt>
          <dd>{trafficPolicy?.loadBalancer ?? "least-request"}</dd>
          {trafficPolicy?.circuitBreaker && (
            <>
              <dt>Breaker</dt>
              <dd>after {trafficPolicy.circuitBreaker.consecutiveErrors} errors, eject {trafficPolicy.circuitBreaker.baseEjectionTime}</dd>
            </>
          )}
          {trafficPolicy?.rateLimit && (
            <>
              <dt>Rate limit</dt>
              <dd>
                {trafficPolicy.rateLimit.requestsPerSecond} rps, burst {trafficPolicy.rateLimit.burst}
              </dd>
            </>
          )}
        </dl>
      </section>
      <section className="stack" style={{ gap: 6 }}>
        <h3>Access</h3>
        <p className="small muted" style={{ margin: 0 }}>
          {accessPolicies.length ? accessPolicies.map((p) => `${p.name} (${p.spec.action})`).join(", ") : `No access policies; defaultAccess is ${defaultAccess}.`}
        </p>
        {source && <ObservedAccess source={source} target={destination} policies={accessPolicies} defaultAccess={defaultAccess} observed={observed} />}
      </section>
    </div>
  );
}

const SHOWN_CALLS = 5;

interface AccessProps {
  source: string;
  target: string;
  policies: NamedAccessPolicy[];
  defaultAccess: MeshConfigSpec["defaultAccess"];
}

/** The decision on each call the edge makes, then a check pre-filled with the most-seen one. */
function ObservedAccess({ observed, ...props }: AccessProps & { observed: SeenCall[] | undefined }) {
  if (!observed) return <p className="small muted">Reading the calls this edge makes…</p>;
  const judgement = judgeObservedCalls(props.policies, props.defaultAccess, props.source, props.target, observed);
  const first = judgement.mostSeen;
  return (
    <>
      {judgement.calls.length > 0 && (
        <ul className="observed-calls small" data-testid="observed-access" data-verdict={judgement.verdict}>
          {judgement.calls.slice(0, SHOWN_CALLS).map(({ call, decision }) => (
            <li key={`${call.method} ${call.path}`} className="row" style={{ gap: 6, flexWrap: "nowrap" }}>
              <span className={`badge ${decision.allowed ? "ok" : "bad"}`}>{decision.allowed ? "allowed" : "denied"}</span>
              <span className="mono ellipsis">
                {call.method} {call.path}
              </span>
              <span className="spacer" />
              <span className="muted">{call.count}×</span>
            </li>
          ))}
        </ul>
      )}
      {/* Re-mounted when the most-seen call arrives, so the check starts from it. */}
      <AccessCheck key={first ? `${first.method} ${first.path}` : "none"} {...props} initialMethod={first?.method ?? "GET"} initialPath={first?.path ?? "/"} />
    </>
  );
}

function AccessCheck({ source, target, policies, defaultAccess, initialMethod, initialPath }: AccessProps & { initialMethod: string; initialPath: string }) {
  const [method, setMethod] = useState(initialMethod);
  const [path, setPath] = useState(initialPath);
  const decision = checkAccess(policies, defaultAccess, { source, target, method, path });
  return (
    <div className="stack" style={{ gap: 8 }}>
      <div className="row" style={{ flexWrap: "nowrap" }}>
        <select className="select" aria-label="Method" value={method} onChange={(e) => setMethod(e.target.value)}>
          {HTTP_METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <input className="input" aria-label="Path" value={path} onChange={(e) => setPath(e.target.value || "/")} style={{ flex: 1 }} />
      </div>
      <div className={`notice ${decision.allowed ? "success" : "error"}`} data-testid="access-decision">
        <strong>{decision.allowed ? "Allowed" : "Denied"}</strong> — {decision.path !== null && decision.path !== path ? `checked as ${decision.path}: ` : ""}
        {decision.reason}
      </div>
    </div>
  );
}

export function describeMatch(route: Route): string {
  const match = route.match;
  if (!match) return "everything else";
  const parts: string[] = [];
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    parts.push(typeof value === "string" ? `${name}: ${value}` : `${name} ${Object.entries(value).map(([k, v]) => `${k} ${v}`).join("")}`);
  }
  if (match.path) parts.push(`path ${match.path}`);
  if (match.pathPrefix) parts.push(`path ${match.pathPrefix}*`);
  if (match.methods) parts.push(match.methods.join("|"));
  return parts.join(", ");
}
