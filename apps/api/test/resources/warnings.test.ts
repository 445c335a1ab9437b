import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  // A real agent registration: reviews v1 runs (and heartbeats), v2 does not.
  const joined = mesh.client(mesh.controlPlane.joinToken);
  const registered = await joined.agent.register.mutate({ service: "reviews", version: "v1", address: "127.0.0.1", inboundPort: 15006 });
  await mesh.client(registered.credential).agent.heartbeat.mutate({ instanceId: registered.instanceId, appliedRevision: null, health: "ok" });
});
afterAll(() => mesh?.close());

describe("apply warnings", () => {
  it("warns about a backend version with no live instance, and still applies", async () => {
    const result = await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 80) });
    expect(result.revision).toBe(1);
    expect(result.warnings).toEqual([
      "TrafficPolicy/reviews: spec.routes[0].backends[1]: version v2 of reviews has no live instance; its share of requests fails with 503 no-healthy-endpoints until one runs",
    ]);
  });

  it("warns about services nothing has registered, and still applies", async () => {
    const yaml = `${trafficPolicyYaml("payments", 100)}---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ledger-writers }
spec: { target: ledger, action: allow, from: [reviews, payments, "*"] }
`;
    const result = await mesh.admin.resources.applyDocuments.mutate({ yaml, dryRun: true });
    expect(result.warnings).toEqual([
      'TrafficPolicy/payments: service "payments" is not known to the mesh yet (no instance has registered); this takes effect once one does',
      'AccessPolicy/ledger-writers: spec.target: service "ledger" is not known to the mesh yet (no instance has registered); this takes effect once one does',
      'AccessPolicy/ledger-writers: spec.from[1]: service "payments" is not known to the mesh yet (no instance has registered); this takes effect once one does',
    ]);
    expect((await mesh.admin.resources.applyDocuments.mutate({ yaml })).revision).toBe(2);
  });
});
