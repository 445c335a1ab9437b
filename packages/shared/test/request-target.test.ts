import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAccess, normalizeRequestPath, normalizeRequestTarget, type NamedAccessPolicy } from "../src/index.ts";

const normal = (target: string) => {
  const result = normalizeRequestPath(target);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.path;
};
const refusal = (target: string) => {
  const result = normalizeRequestPath(target);
  if (result.ok) throw new Error(`accepted as ${result.path}`);
  return result.reason;
};

describe("normalizeRequestPath", () => {
  it("leaves an ordinary path and its query exactly as sent", () => {
    expect(normal("/reviews/3")).toBe("/reviews/3");
    expect(normal("/a/b.json?x=1&y=/../z")).toBe("/a/b.json?x=1&y=/../z");
    expect(normal("/")).toBe("/");
    expect(normal("/v1.2/file.tar.gz")).toBe("/v1.2/file.tar.gz");
  });

  it("removes dot segments (RFC 3986 §5.2.4), never above the root", () => {
    expect(normal("/public/../admin")).toBe("/admin");
    expect(normal("/public/./x")).toBe("/public/x");
    expect(normal("/a/b/../../../../admin")).toBe("/admin");
    expect(normal("/a/b/..")).toBe("/a/");
    expect(normal("/a/.")).toBe("/a/");
    expect(normal("/..")).toBe("/");
    expect(normal("/ratings/../healthz")).toBe("/healthz");
  });

  it("keeps segments that only start with dots", () => {
    expect(normal("/a/...")).toBe("/a/...");
    expect(normal("/a/..b/.c")).toBe("/a/..b/.c");
  });

  it("decodes percent-encoded unreserved characters before removing dot segments", () => {
    expect(normal("/public/%2e%2e/admin")).toBe("/admin");
    expect(normal("/public/%2E%2E/admin")).toBe("/admin");
    expect(normal("/public/.%2e/admin")).toBe("/admin");
    expect(normal("/%61dmin")).toBe("/admin");
    expect(normal("/a%7eb%2D_")).toBe("/a~b-_");
  });

  it("keeps other escapes, with upper-case hex", () => {
    expect(normal("/caf%c3%a9")).toBe("/caf%C3%A9");
    expect(normal("/a%20b")).toBe("/a%20b");
    expect(normal("/a%3Fb?q")).toBe("/a%3Fb?q");
  });

  it("treats a backslash as a slash", () => {
    expect(normal("/public\\..\\admin")).toBe("/admin");
    expect(normal("/\\admin")).toBe("/admin");
  });

  it("merges repeated slashes", () => {
    expect(normal("//admin")).toBe("/admin");
    expect(normal("/public//x///y")).toBe("/public/x/y");
  });

  it("drops a fragment, in the path or the query", () => {
    expect(normal("/public/x#/../../admin")).toBe("/public/x");
    expect(normal("/x?a=1#frag")).toBe("/x?a=1");
  });

  it("refuses what cannot be normalised safely, saying why", () => {
    expect(refusal("/public/%2E%2E%2Fadmin")).toMatch(/encoded slash \(%2F\)/);
    expect(refusal("/public/..%5Cadmin")).toMatch(/encoded backslash \(%5C\)/);
    expect(refusal("/a%00")).toMatch(/NUL/);
    expect(refusal("/a%zz")).toMatch(/invalid percent-encoding "%zz"/);
    expect(refusal("/a%4")).toMatch(/invalid percent-encoding/);
    expect(refusal("admin")).toMatch(/not a path starting with "\/"/);
  });

  it("is idempotent: a normalised path normalises to itself", () => {
    const segment = fc.constantFrom("a", "b", ".", "..", "", "%2e", "%2E%2e", "x%20y", "\\", "c.d", "%41");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), (segments) => {
        const first = normalizeRequestPath(`/${segments.join("/")}`);
        if (!first.ok) return;
        expect(normalizeRequestPath(first.path)).toEqual(first);
        expect(first.path).not.toMatch(/(^|\/)\.\.?(\/|$)|\/\/|\\/);
      }),
    );
  });
});

describe("normalizeRequestTarget", () => {
  it("reduces the absolute form to its authority and a normalised origin form", () => {
    expect(normalizeRequestTarget("http://vault/public/../admin")).toEqual({ ok: true, authority: "vault", path: "/admin" });
    expect(normalizeRequestTarget("http://user:pw@vault:8080?q")).toEqual({ ok: true, authority: "vault:8080", path: "/?q" });
    expect(normalizeRequestTarget("http://vault\\..\\admin")).toEqual({ ok: true, authority: "vault", path: "/admin" });
    expect(normalizeRequestTarget("http://vault#/../admin")).toEqual({ ok: true, authority: "vault", path: "/" });
    expect(normalizeRequestTarget("/x")).toEqual({ ok: true, authority: null, path: "/x" });
  });

  it("refuses a target that is neither form", () => {
    expect(normalizeRequestTarget("*")).toMatchObject({ ok: false, reason: expect.stringMatching(/neither a path nor an absolute URI/) });
    expect(normalizeRequestTarget("http:///x")).toMatchObject({ ok: false, reason: expect.stringMatching(/names no host/) });
  });
});

describe("checkAccess: what `mesh check` and the dashboard ask", () => {
  const vault: NamedAccessPolicy[] = [
    { name: "vault-public", spec: { target: "vault", action: "allow", from: ["web"], to: [{ methods: ["GET"], paths: ["/public/*"] }] } },
    { name: "no-admin", spec: { target: "vault", action: "deny", from: ["*"], to: [{ paths: ["/admin", "/admin/*"] }] } },
  ];
  const ask = (path: string) => checkAccess(vault, "deny", { source: "web", target: "vault", method: "GET", path });

  it("decides on the normalised path, as the agent does", () => {
    expect(ask("/public/doc")).toMatchObject({ allowed: true, policy: "vault-public", path: "/public/doc" });
    for (const bypass of ["/public/../admin", "/public/%2e%2e/admin", "/public\\..\\admin", "/public/./../admin/x", "//admin"]) {
      expect(ask(bypass), bypass).toMatchObject({ allowed: false, policy: "no-admin" });
    }
    expect(ask("/public/x#/../../admin")).toMatchObject({ allowed: true, path: "/public/x" });
  });

  it("reports a path the agent refuses as denied, with the reason", () => {
    expect(ask("/public/%2E%2E%2Fadmin")).toMatchObject({ allowed: false, policy: null, path: null, reason: expect.stringMatching(/400 invalid-path: an encoded slash/) });
  });
});
