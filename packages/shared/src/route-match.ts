import { compileHeaderRegex, type HeaderRegex } from "./header-regex.ts";
import type { HeaderMatch, Route, RouteMatch } from "./resources.ts";

/** The parts of a request that routing looks at. Header names are lowercase (as Node gives them). */
export interface RoutableRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RouteChoice {
  route: Route;
  /** Position in spec.routes, so the dashboard and logs can say which rule decided. */
  index: number;
}

/** First route whose match accepts the request (a route without match catches all), or null. */
export function selectRoute(routes: readonly Route[], request: RoutableRequest): RouteChoice | null {
  for (let index = 0; index < routes.length; index++) {
    const route = routes[index]!;
    if (!route.match || matchesRoute(route.match, request)) return { route, index };
  }
  return null;
}

export function matchesRoute(match: RouteMatch, request: RoutableRequest): boolean {
  if (match.methods && !match.methods.includes(request.method as never)) return false;
  const path = stripQuery(request.path);
  if (match.path !== undefined && path !== match.path) return false;
  if (match.pathPrefix !== undefined && !hasPathPrefix(path, match.pathPrefix)) return false;
  if (match.headers) {
    for (const name in match.headers) {
      const value = request.headers[name.toLowerCase()];
      const actual = Array.isArray(value) ? value.join(",") : value;
      if (actual === undefined || !matchesHeader(match.headers[name]!, actual)) return false;
    }
  }
  return true;
}

/** "/reviews" matches "/reviews", "/reviews/1" and "/reviews?x", but not "/reviewsx" unless the prefix ends in "/". */
export function hasPathPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith("/")) return true;
  const next = path[prefix.length];
  return next === "/" || next === "?";
}

function matchesHeader(match: HeaderMatch, actual: string): boolean {
  if (typeof match === "string") return actual === match;
  if (match.exact !== undefined) return actual === match.exact;
  if (match.prefix !== undefined) return actual.startsWith(match.prefix);
  return compiledRegex(match).matchesWhole(actual);
}

/**
 * Compiled once per config snapshot: keyed by the match object the snapshot holds, so a new
 * snapshot's patterns replace the old ones and nothing accumulates. RE2 semantics (header-regex.ts).
 */
const compiledRegexes = new WeakMap<object, HeaderRegex>();
const NEVER_MATCHES: HeaderRegex = { matchesWhole: () => false };
function compiledRegex(match: { regex?: string }): HeaderRegex {
  let regex = compiledRegexes.get(match);
  if (!regex) {
    try {
      regex = compileHeaderRegex(match.regex!);
    } catch {
      // Validation refuses non-RE2 patterns; one stored before it did matches nothing rather than throw per request.
      regex = NEVER_MATCHES;
    }
    compiledRegexes.set(match, regex);
  }
  return regex;
}

export function stripQuery(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
