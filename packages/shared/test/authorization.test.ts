import { describe, expect, it } from "vitest";
import { authorize, matchesPathPattern, type NamedAccessPolicy } from "../src/index.ts";

const policies: NamedAccessPolicy[] = [
  { name: "ratings-readers", spec: { target: "ratings", action: "allow", from: ["reviews"], to: [{ methods: ["GET"], paths: ["/ratings/*"] }] } },
  { name: "ratings-admin", spec: { target: "ratings", action: "allow", from: ["admin"] } },
  { name: "no-v1-writes", spec: { target: "ratings", action: "deny", from: ["*"], to: [{ methods: ["DELETE"] }] } },
  { name: "watch-ratings", spec: { target: "ratings", action: "audit", from: ["*"] } },
  { name: "details-open", spec: { target: "details", action: "allow", from: ["*"] } },
];

const ask = (source: string | null, target: string, method = "GET", path = "/") => ({ source, target, method, path });

describe("authorize", () => {
  it("allows a caller an allow policy names, and says which policy", () => {
    expect(authorize(policies, "deny", ask("reviews", "ratings", "GET", "/ratings/1"))).toMatchObject({
      allowed: true,
      policy: "ratings-readers",
      audited: ["watch-ratings"],
    });
  });

  it("evaluates deny policies before allow policies", () => {
    const decision = authorize(policies, "allow", ask("admin", "ratings", "DELETE", "/ratings/1"));
    expect(decision).toMatchObject({ allowed: false, policy: "no-v1-writes" });
    expect(decision.reason).toMatch(/^denied by no-v1-writes/);
  });

  it("denies when allow policies target the service but none matches, whatever defaultAccess says", () => {
    const decision = authorize(policies, "allow", ask("productpage", "ratings", "GET", "/ratings/1"));
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain("checked ratings-admin, ratings-readers");
    expect(authorize(policies, "allow", ask("reviews", "ratings", "POST", "/ratings/1")).allowed).toBe(false);
    expect(authorize(policies, "allow", ask("reviews", "ratings", "GET", "/other")).allowed).toBe(false);
  });

  it("uses defaultAccess for a service no allow policy targets", () => {
    expect(authorize(policies, "allow", ask("x", "reviews"))).toMatchObject({ allowed: true, policy: null });
    expect(authorize(policies, "deny", ask("x", "reviews"))).toMatchObject({ allowed: false, policy: null });
  });

  it('treats "*" as any authenticated identity, never a caller without a certificate', () => {
    expect(authorize(policies, "deny", ask("anyone", "details")).allowed).toBe(true);
    expect(authorize(policies, "deny", ask(null, "details")).allowed).toBe(false);
  });

  it("never lets an audit policy block or allow", () => {
    const auditOnly: NamedAccessPolicy[] = [{ name: "audit-all", spec: { target: "x", action: "audit", from: ["*"] } }];
    expect(authorize(auditOnly, "allow", ask("a", "x"))).toMatchObject({ allowed: true, audited: ["audit-all"] });
    expect(authorize(auditOnly, "deny", ask("a", "x"))).toMatchObject({ allowed: false, audited: ["audit-all"] });
  });

  it("decides the same way whatever order the policies come in", () => {
    const reversed = [...policies].reverse();
    for (const request of [ask("admin", "ratings", "GET", "/ratings"), ask("reviews", "ratings", "GET", "/ratings/2"), ask(null, "ratings")]) {
      expect(authorize(reversed, "allow", request)).toEqual(authorize(policies, "allow", request));
    }
  });
});

describe("path patterns", () => {
  it.each([
    ["/ratings/*", "/ratings/1", true],
    ["/ratings/*", "/ratings", true],
    ["/ratings/*", "/ratingsx", false],
    ["*.json", "/a/b.json", true],
    ["*", "/anything", true],
    ["/exact", "/exact", true],
    ["/exact", "/exact/1", false],
  ])("%s against %s → %s", (pattern, path, expected) => expect(matchesPathPattern(pattern, path)).toBe(expected));
});
