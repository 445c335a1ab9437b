import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { MeshHarness, outcome, sendThrough, waitForRevision, type ServiceInstance } from "./harness.ts";

/**
 * MeshConfig.defaultAccess decides for a service no allow policy targets; audit policies match and are
 * recorded but never change a decision. Real agents enforce it on the caller's mTLS identity.
 *   - reviews: an allow policy for frontend, and an audit policy for everyone;
 *   - ratings: no allow policy, only an audit policy for frontend (and, later, a deny for /secret).
 * An audit match is recorded by the destination's agent: in its access log line and its span.
 */
let mesh: MeshHarness;
let frontend: ServiceInstance;
let reviews: ServiceInstance;
let ratings: ServiceInstance;

const POLICIES = `
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: reviews-from-frontend }
spec: { target: reviews, action: allow, from: [frontend] }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: audit-reviews }
spec: { target: reviews, action: audit, from: ["*"] }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: audit-ratings }
spec: { target: ratings, action: audit, from: [frontend] }
`;
const meshConfig = (defaultAccess: "allow" | "deny") => `
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: ${defaultAccess} }
`;

async function applyEverywhere(yaml: string): Promise<void> {
  const revision = await mesh.apply(yaml);
  await Promise.all([reviews, ratings].map((instance) => waitForRevision(instance, revision!)));
}

beforeAll(async () => {
  mesh = await MeshHarness.start();
  await mesh.apply(`${meshConfig("deny")}---${POLICIES}`);
  [frontend, reviews, ratings] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1"), mesh.startInstance("ratings", "v1")]);
  await Promise.all([mesh.waitForEndpoints(frontend, "reviews", { v1: 1 }), mesh.waitForEndpoints(frontend, "ratings", { v1: 1 })]);
});

afterAll(() => mesh?.close());

describe("defaultAccess and audit policies", () => {
  it("defaultAccess: deny refuses a service no allow policy targets, even with an audit policy matching", async () => {
    await applyEverywhere(meshConfig("deny"));
    const response = await sendThrough(frontend, "ratings", "/ratings/1");
    expect(response.status, outcome(response)).toBe(403);
    expect(response.headers["x-mesh-error"]).toBe("denied");
    expect(response.body).toContain("no allow policy targets ratings; defaultAccess is deny");
  });

  it("an allow policy still admits its caller under defaultAccess: deny, and an audit policy for everyone does not block it", async () => {
    const response = await sendThrough(frontend, "reviews", "/reviews/1");
    expect(outcome(response)).toBe("200");
    expect(response.json()).toMatchObject({ service: "reviews", path: "/reviews/1" });
  });

  it("defaultAccess: allow admits a service no allow policy targets, audited or not", async () => {
    await applyEverywhere(meshConfig("allow"));
    const response = await sendThrough(frontend, "ratings", "/ratings/1");
    expect(outcome(response)).toBe("200");
    expect(response.json()).toMatchObject({ service: "ratings", path: "/ratings/1" });
  });

  it("an audit policy matching a denied request does not lift the deny", async () => {
    await applyEverywhere(`${meshConfig("allow")}---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: no-secrets }
spec: { target: ratings, action: deny, from: [frontend], to: [{ paths: ["/secret"] }] }
`);
    const denied = await sendThrough(frontend, "ratings", "/secret");
    expect(denied.status, outcome(denied)).toBe(403);
    expect(denied.headers["x-mesh-policy"]).toBe("no-secrets");
    // Still allowed next door: the deny is the policy's, the audit changes nothing.
    expect(outcome(await sendThrough(frontend, "ratings", "/ratings/2"))).toBe("200");
  });

  it("records each audit match in the destination agent's access log, allowed or denied", async () => {
    await sendThrough(frontend, "ratings", "/audited/allowed");
    await sendThrough(frontend, "ratings", "/secret");
    const accessLines = () =>
      ratings.agent
        .output()
        .split("\n")
        .filter((line) => line.includes('"log":"access"'))
        .map((line) => JSON.parse(line) as { path: string; status: number; audited?: string[] });
    await waitFor(() => accessLines().some((line) => line.path === "/audited/allowed"), { timeoutMs: 5000, what: "ratings' access log line for /audited/allowed" });
    await waitFor(() => accessLines().filter((line) => line.path === "/secret").length >= 2, { timeoutMs: 5000, what: "ratings' access log lines for /secret" });
    expect(accessLines().find((line) => line.path === "/audited/allowed")).toMatchObject({ status: 200, audited: ["audit-ratings"] });
    expect(accessLines().find((line) => line.path === "/secret")).toMatchObject({ status: 403, audited: ["audit-ratings"] });
    // reviews' audit policy is for everyone; the lines of services no audit policy matched carry none.
    expect(frontend.agent.output().split("\n").filter((line) => line.includes('"audited"'))).toEqual([]);
  });
});
