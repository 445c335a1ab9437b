import { describe, expect, it } from "vitest";
import { DEFAULT_MESH_CONFIG, trafficPolicySpecSchema, type AgentSnapshot } from "@mesh/shared";
import { snapshotProblem } from "../../../src/discovery/snapshot-check.ts";

const reviewsPolicy = trafficPolicySpecSchema.parse({ routes: [{ backends: [{ version: "v1", weight: 100 }] }], timeout: "2s" });

const snapshot = (overrides: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  revision: 4,
  service: "frontend",
  trustDomain: "mesh.local",
  meshConfig: DEFAULT_MESH_CONFIG,
  inbound: { accessPolicies: [{ name: "frontend-callers", spec: { target: "frontend", action: "allow", from: ["*"], to: [{ methods: ["GET"], paths: ["/*"] }] } }], rateLimit: null },
  destinations: { reviews: { trafficPolicy: reviewsPolicy, endpoints: [] }, frontend: { trafficPolicy: null, endpoints: [] } },
  ...overrides,
});

describe("snapshotProblem", () => {
  it("accepts what the control plane sends: schema-parsed policies, defaults filled in", () => {
    expect(snapshotProblem(snapshot(), "frontend")).toBeNull();
  });

  it("refuses a snapshot for another service", () => {
    expect(snapshotProblem(snapshot(), "reviews")).toBe('it is for service "frontend", not "reviews"');
  });

  it("names the resource, field and reason of every spec its schemas refuse", () => {
    const broken = snapshot({
      destinations: { reviews: { trafficPolicy: { ...reviewsPolicy, timeout: "soon" }, endpoints: [] } },
      inbound: { accessPolicies: [{ name: "odd", spec: { target: "frontend", action: "maybe" } as never }], rateLimit: null },
    });
    const problem = snapshotProblem(broken, "frontend")!;
    expect(problem).toMatch(/^TrafficPolicy\/reviews: spec\.timeout: must be a duration/);
    expect(problem).toContain("; AccessPolicy/odd: spec.action: ");
  });
});
