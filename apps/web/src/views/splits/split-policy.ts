import { API_VERSION, backendsWithWeights, evenWeights, type Route, type TrafficPolicyResource, type TrafficPolicySpec, type WeightSlot } from "@mesh/shared";

/** A route people edit in the form: one exact header match sending everything to one version. */
export interface HeaderRoute {
  header: string;
  value: string;
  version: string;
  /** Where the route sits in the policy it came from; absent for a route added in the form. */
  sourceIndex?: number;
  /** The route's name in the policy, kept on save. */
  name?: string;
}

export interface SplitDraft {
  headerRoutes: HeaderRoute[];
  /** Match routes the form cannot express (paths, methods, regex): kept exactly as they are. */
  otherRoutes: Route[];
  slots: WeightSlot[];
  /** Whether the weights were moved: a policy without a catch-all route gets one only then. */
  slotsTouched: boolean;
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
  const configured = catchAll?.backends ?? [];
  const versions = [...new Set([...configured.map((b) => b.version), ...liveVersions])];
  const slots: WeightSlot[] = versions.map((version) => ({ version, weight: configured.find((b) => b.version === version)?.weight ?? 0 }));
  const headerRoutes: HeaderRoute[] = [];
  routes.forEach((route, sourceIndex) => {
    if (!isHeaderRoute(route)) return;
    const [header, value] = Object.entries(route.match!.headers!)[0]!;
    headerRoutes.push({ header, value: value as string, version: route.backends[0]!.version, sourceIndex, ...(route.name ? { name: route.name } : {}) });
  });
  return {
    headerRoutes,
    otherRoutes: routes.filter((r) => r.match && !isHeaderRoute(r)),
    slots: catchAll ? slots : evenWeights(slots),
    slotsTouched: false,
  };
}

function headerRouteOf(draft: HeaderRoute, original: Route | undefined): Route {
  const match = { ...(original?.match ?? {}), headers: { [draft.header.trim().toLowerCase()]: draft.value } };
  const backends = [{ ...(original?.backends[0] ?? { weight: 100 }), version: draft.version, weight: 100 }];
  return { ...(original ?? {}), ...(draft.name ? { name: draft.name } : {}), match, backends };
}

/**
 * The routes with the draft's edits made in place: each route keeps its position, its name and every field
 * the form does not touch; routes added in the form go just before the catch-all (after it they would never match).
 */
export function routesFromDraft(routes: readonly Route[], draft: SplitDraft): Route[] {
  const edited = new Map(draft.headerRoutes.flatMap((r) => (r.sourceIndex === undefined ? [] : [[r.sourceIndex, r] as const])));
  const added = draft.headerRoutes.filter((r) => r.sourceIndex === undefined).map((r) => headerRouteOf(r, undefined));
  const out: Route[] = [];
  let placedAdded = false;
  routes.forEach((route, index) => {
    if (!route.match) {
      out.push(...added);
      placedAdded = true;
      out.push({ ...route, backends: backendsWithWeights(route.backends, draft.slots) });
    } else if (isHeaderRoute(route)) {
      const edit = edited.get(index);
      if (edit) out.push(headerRouteOf(edit, route));
    } else out.push(route);
  });
  if (!placedAdded) out.push(...added);
  if (!routes.some((r) => !r.match) && draft.slotsTouched) out.push({ backends: backendsWithWeights([], draft.slots) });
  return out;
}

/**
 * The TrafficPolicy the draft describes: the routes of `startedFrom` (the policy the edit began on) with the
 * draft's edits, and every other field from `latest` (the policy now), so a change made meanwhile to them stays.
 */
export function policyFromDraft(service: string, startedFrom: TrafficPolicySpec | null, latest: TrafficPolicySpec | null, draft: SplitDraft): TrafficPolicyResource {
  const base = latest ?? startedFrom;
  const routes = routesFromDraft(startedFrom?.routes ?? [], draft);
  const spec = { ...(base ?? { loadBalancer: "least-request" }), ...(routes.length > 0 || base?.routes ? { routes } : {}) };
  return { apiVersion: API_VERSION, kind: "TrafficPolicy", metadata: { name: service }, spec } as TrafficPolicyResource;
}
