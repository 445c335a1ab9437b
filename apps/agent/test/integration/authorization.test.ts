import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let reader: ServiceInstance;
let intruder: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec:
  target: ratings
  action: allow
  from: [reviews]
  to: [{ methods: [GET], paths: ["/ratings/*"] }]
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: block-intruder }
spec:
  target: ratings
  action: deny
  from: [intruder]
`);
  [reader, intruder] = await Promise.all([mesh.startInstance("reviews", "v1"), mesh.startInstance("intruder", "v1"), mesh.startInstance("ratings", "v1")]);
  await Promise.all([mesh.waitForEndpoints(reader, "ratings", { v1: 1 }), mesh.waitForEndpoints(intruder, "ratings", { v1: 1 })]);
  await Promise.all([waitForRevision(reader, revision!), waitForRevision(intruder, revision!)]);
});

afterAll(() => mesh?.close());

describe("authorization on the caller's mTLS identity", () => {
  it("lets an allowed caller through", async () => {
    const response = await sendThrough(reader, "ratings", "/ratings/7");
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ service: "ratings", path: "/ratings/7" });
  });

  it("answers a denied caller 403 naming the deny policy", async () => {
    const response = await sendThrough(intruder, "ratings", "/ratings/7");
    expect(response.status).toBe(403);
    expect(response.headers["x-mesh-error"]).toBe("denied");
    expect(response.headers["x-mesh-policy"]).toBe("block-intruder");
    expect(response.body).toContain("block-intruder");
  });

  it("answers 403 naming the allow policy a request falls outside of", async () => {
    const response = await sendThrough(reader, "ratings", "/admin", { method: "DELETE" });
    expect(response.status).toBe(403);
    expect(response.headers["x-mesh-error"]).toBe("denied");
    expect(response.headers["x-mesh-policy"]).toBe("ratings-readers");
  });
});
