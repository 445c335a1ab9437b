import { describe, expect, it } from "vitest";
import { parseResourcesYaml, ResourceValidationError, type ResourceIssue } from "../src/index.ts";

function issuesOf(yaml: string): ResourceIssue[] {
  try {
    parseResourcesYaml(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceValidationError);
    return (error as ResourceValidationError).issues;
  }
  throw new Error("expected the input to be rejected");
}

const designExample = `
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec:
  mtls: strict
  defaultAccess: allow
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - match: { headers: { x-user: jason }, pathPrefix: /reviews, methods: [GET] }
      backends: [{ version: v2, weight: 100 }]
    - backends: [{ version: v1, weight: 90 }, { version: v3, weight: 10 }]
  timeout: 2s
  retries: { attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, connect-failure, reset], budgetPercent: 20 }
  loadBalancer: least-request
  circuitBreaker: { consecutiveErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
  rateLimit: { requestsPerSecond: 100, burst: 50 }
  faults: { delay: { percent: 10, duration: 2s }, abort: { percent: 5, status: 503 } }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec:
  target: ratings
  action: allow
  from: [reviews]
  to: [{ methods: [GET], paths: ["/ratings/*"] }]
`;

describe("parseResourcesYaml", () => {
  it("accepts the example from the design document, keeping every field", () => {
    const [mesh, traffic, access] = parseResourcesYaml(designExample);
    expect(mesh).toMatchObject({ kind: "MeshConfig", spec: { mtls: "strict", defaultAccess: "allow" } });
    expect(traffic).toMatchObject({
      kind: "TrafficPolicy",
      metadata: { name: "reviews" },
      spec: {
        routes: [
          { match: { headers: { "x-user": "jason" }, pathPrefix: "/reviews", methods: ["GET"] }, backends: [{ version: "v2", weight: 100 }] },
          { backends: [{ version: "v1", weight: 90 }, { version: "v3", weight: 10 }] },
        ],
        timeout: "2s",
        retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "connect-failure", "reset"], budgetPercent: 20 },
        loadBalancer: "least-request",
        circuitBreaker: { consecutiveErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
        rateLimit: { requestsPerSecond: 100, burst: 50 },
        faults: { delay: { percent: 10, duration: "2s" }, abort: { percent: 5, status: 503 } },
      },
    });
    expect(access).toMatchObject({ kind: "AccessPolicy", spec: { target: "ratings", action: "allow", from: ["reviews"] } });
  });

  it("names document, field and reason when weights sum to 99", () => {
    const issues = issuesOf(designExample.replace("weight: 10 }]", "weight: 9 }]"));
    expect(issues).toEqual([
      { document: 2, resource: "TrafficPolicy/reviews", field: "spec.routes[1].backends", message: "weights sum to 99, must be 100" },
    ]);
  });

  it("reports every bad document at once, not just the first", () => {
    const issues = issuesOf(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec: { timeout: 2x, loadBalancer: fastest }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: Bad_Name }
spec: { target: ratings, action: permit, from: [] }
`);
    const described = issues.map((i) => `${i.document} ${i.field}`);
    expect(described).toEqual(
      expect.arrayContaining(["1 spec.timeout", "1 spec.loadBalancer", "2 metadata.name", "2 spec.action", "2 spec.from"]),
    );
  });

  it("rejects unknown fields instead of silently dropping them", () => {
    const issues = issuesOf(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec: { timout: 2s }
`);
    expect(issues[0]).toMatchObject({ document: 1, field: "spec" });
    expect(issues[0]!.message).toMatch(/timout/);
  });

  it("rejects an unknown kind and a wrong apiVersion", () => {
    expect(issuesOf("apiVersion: mesh/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {}")[0]).toMatchObject({ field: "kind" });
    expect(issuesOf("apiVersion: v2\nkind: MeshConfig\nmetadata: {name: default}\nspec: {}")[0]).toMatchObject({
      field: "apiVersion",
      message: "must be mesh/v1",
    });
  });

  it("points at the line of a YAML syntax error", () => {
    const [issue] = issuesOf("apiVersion: mesh/v1\nkind: [unclosed\n");
    expect(issue!.message).toMatch(/^invalid YAML/);
    expect(issue!.field).toMatch(/^line \d+$/);
  });

  it("rejects the same resource twice in one input", () => {
    const doc = "apiVersion: mesh/v1\nkind: AccessPolicy\nmetadata: {name: a}\nspec: {target: b, action: allow, from: ['*']}\n";
    const issues = issuesOf(`${doc}---\n${doc}`);
    expect(issues).toEqual([{ document: 2, resource: "AccessPolicy/a", field: "metadata.name", message: "AccessPolicy/a is also defined in document 1" }]);
  });

  it("requires the MeshConfig to be named default", () => {
    expect(issuesOf("apiVersion: mesh/v1\nkind: MeshConfig\nmetadata: {name: prod}\nspec: {}")[0]).toMatchObject({ field: "metadata.name" });
  });

  it("rejects empty input and a header regex that does not compile", () => {
    expect(issuesOf("")[0]!.message).toBe("no resources in input");
    const issues = issuesOf(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes: [{ match: { headers: { x-user: { regex: "(" } } }, backends: [{ version: v1, weight: 100 }] }]
`);
    expect(issues[0]!.field).toBe("spec.routes[0].match.headers.x-user.regex");
  });

  it("fills defaults so agents never see an absent value", () => {
    const [policy] = parseResourcesYaml(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ratings }
spec: { retries: { attempts: 2 } }
`);
    expect(policy!.spec).toMatchObject({
      loadBalancer: "least-request",
      retries: { attempts: 2, retryOn: ["5xx", "connect-failure", "reset"], budgetPercent: 20, retryNonIdempotent: false },
    });
  });
});
