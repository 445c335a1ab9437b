import { API_VERSION, evenWeights, type Route, type TrafficPolicyResource, type TrafficPolicySpec, type WeightSlot } from "@mesh/shared";

/** A route people edit in the form: one exact header match sending everything to one version. */
export interface HeaderRoute {
  header: string;
  value: string;
  version: string;
}

export interface SplitDraft {
  headerRoutes: HeaderRoute[];
  /** Match routes the form cannot express (paths, methods, regex): kept exactly as they are. */
  otherRoutes: Route[];
  slots: WeightSlot[];
}

function isHeaderRoute(route: Route): boolean {
  const match = route.match;
  if (!match || match.path || match.pathPrefix || match.methods || !match.headers) return false;
  const entries = Object.entries(match.headers);
  return entries.length === 1 && typeof entries[0]![1] === "string" && route.backends.length === 1;
}

/** The form's starting point: the policy's catch-all weights (every live version shares when there is none). */
export function draftFromPolicy(spec: TrafficPolicySpec | null, liveVersions: readonly string[]): SplitDraft {
  const routes = spec?.routes ?? [];
  const catchAll = routes.find((r) => !r.match);
  const matchRoutes = routes.filter((r) => r.match);
  const configured = catchAll?.backends ?? [];
  const versions = [...new Set([...configured.map((b) => b.version), ...liveVersions])];
  const slots: WeightSlot[] = versions.map((version) => ({ version, weight: configured.find((b) => b.version === version)?.weight ?? 0 }));
  return {
    headerRoutes: matchRoutes.filter(isHeaderRoute).map((r) => {
      const [header, value] = Object.entries(r.match!.headers!)[0]!;
      return { header, value: value as string, version: r.backends[0]!.version };
    }),
    otherRoutes: matchRoutes.filter((r) => !isHeaderRoute(r)),
    slots: catchAll ? slots : evenWeights(slots),
  };
}

/** The TrafficPolicy the draft describes; everything else in the existing spec is kept. */
export function policyFromDraft(service: string, spec: TrafficPolicySpec | null, draft: SplitDraft): TrafficPolicyResource {
  const headerRoutes: Route[] = draft.headerRoutes.map((r) => ({
    match: { headers: { [r.header.trim().toLowerCase()]: r.value } },
    backends: [{ version: r.version, weight: 100 }],
  }));
  const catchAll: Route = { backends: draft.slots.map((s) => ({ version: s.version, weight: s.weight })) };
  return {
    apiVersion: API_VERSION,
    kind: "TrafficPolicy",
    metadata: { name: service },
    spec: { ...(spec ?? { loadBalancer: "least-request" }), routes: [...headerRoutes, ...draft.otherRoutes, catchAll] },
  } as TrafficPolicyResource;
}
