import { describe, expect, it } from "vitest";
import { hasPathPrefix, selectRoute, type Route } from "../src/index.ts";

const routes: Route[] = [
  { match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
  { match: { pathPrefix: "/admin", methods: ["POST", "PUT"] }, backends: [{ version: "v3", weight: 100 }] },
  { match: { path: "/exact" }, backends: [{ version: "v4", weight: 100 }] },
  { match: { headers: { "x-canary": { prefix: "yes" }, "x-env": { regex: "stag(e|ing)" } } }, backends: [{ version: "v5", weight: 100 }] },
  { backends: [{ version: "v1", weight: 100 }] },
];

const request = (method: string, path: string, headers: Record<string, string | string[]> = {}) => ({ method, path, headers });

describe("selectRoute", () => {
  it("takes the first matching route, so a header route overrides the split below it", () => {
    expect(selectRoute(routes, request("GET", "/reviews/1", { "x-user": "jason" }))?.index).toBe(0);
    expect(selectRoute(routes, request("GET", "/reviews/1", { "x-user": "bob" }))?.index).toBe(4);
  });

  it("matches methods and path prefixes together", () => {
    expect(selectRoute(routes, request("POST", "/admin/users"))?.index).toBe(1);
    expect(selectRoute(routes, request("GET", "/admin/users"))?.index).toBe(4);
    expect(selectRoute(routes, request("POST", "/administrator"))?.index).toBe(4);
  });

  it("matches exact paths ignoring the query string", () => {
    expect(selectRoute(routes, request("GET", "/exact?x=1"))?.index).toBe(2);
    expect(selectRoute(routes, request("GET", "/exact/more"))?.index).toBe(4);
  });

  it("matches header prefixes and anchored regexes", () => {
    expect(selectRoute(routes, request("GET", "/", { "x-canary": "yes-please", "x-env": "staging" }))?.index).toBe(3);
    expect(selectRoute(routes, request("GET", "/", { "x-canary": "yes", "x-env": "prestaging" }))?.index).toBe(4);
  });

  it("joins repeated header values before matching", () => {
    const only = [{ match: { headers: { "x-tags": "a,b" } }, backends: [{ version: "v1", weight: 100 }] }];
    expect(selectRoute(only, request("GET", "/", { "x-tags": ["a", "b"] }))?.index).toBe(0);
  });

  it("returns null when nothing matches and there is no catch-all", () => {
    expect(selectRoute(routes.slice(0, 2), request("GET", "/"))).toBeNull();
  });
});

describe("hasPathPrefix", () => {
  it("respects segment boundaries", () => {
    expect(hasPathPrefix("/reviews", "/reviews")).toBe(true);
    expect(hasPathPrefix("/reviews/1", "/reviews")).toBe(true);
    expect(hasPathPrefix("/reviews?page=2", "/reviews")).toBe(true);
    expect(hasPathPrefix("/reviewsx", "/reviews")).toBe(false);
    expect(hasPathPrefix("/api/v1", "/api/")).toBe(true);
  });
});
