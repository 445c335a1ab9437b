import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";

let mesh: TestControlPlane;
let viewer: TestControlPlane["admin"];
beforeAll(async () => {
  mesh = await startTestControlPlane();
  viewer = mesh.client((await mesh.admin.tokens.create.mutate({ role: "viewer", name: "auditor" })).token);
  await mesh.admin.resources.applyDocuments.mutate({
    yaml: `apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec: { target: ratings, action: allow, from: [reviews], to: [{ methods: [GET], paths: ["/ratings/*"] }] }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: no-legacy }
spec: { target: ratings, action: deny, from: [legacy] }
`,
  });
});
afterAll(() => mesh?.close());

describe("policies.check", () => {
  it("decides with the stored policies, naming the rule", async () => {
    await expect(viewer.policies.check.query({ from: "reviews", to: "ratings", method: "get", path: "/ratings/7" })).resolves.toEqual({
      allowed: true,
      policy: "ratings-readers",
      reason: "allowed by ratings-readers",
      audited: [],
      path: "/ratings/7",
    });
    await expect(viewer.policies.check.query({ from: "legacy", to: "ratings", method: "GET", path: "/ratings/7" })).resolves.toMatchObject({ allowed: false, policy: "no-legacy" });
    await expect(viewer.policies.check.query({ from: "reviews", to: "ratings", method: "DELETE", path: "/ratings/7" })).resolves.toMatchObject({ allowed: false, policy: "ratings-readers" });
  });

  it("decides on the path as the agents normalise it, and says so", async () => {
    await expect(viewer.policies.check.query({ from: "reviews", to: "ratings", method: "GET", path: "/ratings/../healthz" })).resolves.toMatchObject({
      allowed: false,
      path: "/healthz",
    });
    await expect(viewer.policies.check.query({ from: "reviews", to: "ratings", method: "GET", path: "/ratings/%2e%2e%2Fhealthz" })).resolves.toMatchObject({
      allowed: false,
      path: null,
      reason: expect.stringMatching(/400 invalid-path/),
    });
  });

  it("falls back to MeshConfig.defaultAccess where no allow policy targets the service", async () => {
    await expect(viewer.policies.check.query({ from: "a", to: "b", method: "GET", path: "/" })).resolves.toMatchObject({ allowed: true, policy: null });
    await mesh.admin.resources.applyDocuments.mutate({ documents: [{ apiVersion: "mesh/v1", kind: "MeshConfig", metadata: { name: "default" }, spec: { defaultAccess: "deny" } }] });
    await expect(viewer.policies.check.query({ from: "a", to: "b", method: "GET", path: "/" })).resolves.toMatchObject({
      allowed: false,
      policy: null,
      reason: "no allow policy targets b; defaultAccess is deny",
    });
  });
});
