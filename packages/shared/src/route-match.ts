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
  return compiledRegex(match.regex!).test(actual);
}

const regexCache = new Map<string, RegExp>();
function compiledRegex(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = new RegExp(`^(?:${source})$`);
    regexCache.set(source, regex);
  }
  return regex;
}

export function stripQuery(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
