import { selectRoute, type RoutableRequest } from "@mesh/shared";
import type { BackendPool, Destination } from "./destination.ts";

/** Where a request goes inside a destination: the pool to balance over, and which rule chose it. */
export interface RouteDecision {
  pool: BackendPool | undefined;
  /** The version the route chose; "" when the policy has no routes (every version shares traffic). */
  version: string;
  /** "route N" of the rule that decided, null without routes. */
  routeLabel: string | null;
}

/**
 * Route → weighted backend: the first matching route (shared selectRoute) picks a version by its
 * cached weighted picker. null when routes exist and none matches the request.
 */
export function routeRequest(destination: Destination, request: RoutableRequest, random: number): RouteDecision | null {
  const routes = destination.routes;
  if (routes.length === 0) return { pool: destination.everyVersion, version: "", routeLabel: null };
  const choice = selectRoute(destination.routeList, request);
  if (!choice) return null;
  const route = routes[choice.index]!;
  const version = route.pick(random).version;
  return { pool: destination.pools.get(version), version, routeLabel: route.label };
}
