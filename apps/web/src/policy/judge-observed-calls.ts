import { checkAccess, type AccessCheck, type MeshConfigSpec, type NamedAccessPolicy } from "@mesh/shared";

/** A method and path seen on an edge, and how often. */
export interface SeenCall {
  method: string;
  path: string;
  count: number;
}

/** allowed: every path it uses is allowed; some-paths: only some; denied: none; unused: no calls seen. */
export type PairVerdict = "allowed" | "some-paths" | "denied" | "unused";

export interface PairJudgement {
  verdict: PairVerdict;
  /** Each seen call with the decision the agents' code takes on it now, most-seen first. */
  calls: { call: SeenCall; decision: AccessCheck }[];
  /** The call people make most on this pair: what a what-if about it should ask. */
  mostSeen: SeenCall | null;
}

/** Judges a caller → target pair across the calls it actually makes, with the shared `checkAccess`. */
export function judgeObservedCalls(
  policies: readonly NamedAccessPolicy[],
  defaultAccess: MeshConfigSpec["defaultAccess"],
  source: string,
  target: string,
  seen: readonly SeenCall[],
): PairJudgement {
  const sorted = [...seen].sort((a, b) => b.count - a.count);
  const calls = sorted.map((call) => ({ call, decision: checkAccess(policies, defaultAccess, { source, target, method: call.method, path: call.path }) }));
  const allowed = calls.filter((c) => c.decision.allowed).length;
  const verdict: PairVerdict = calls.length === 0 ? "unused" : allowed === calls.length ? "allowed" : allowed === 0 ? "denied" : "some-paths";
  return { verdict, calls, mostSeen: sorted[0] ?? null };
}
