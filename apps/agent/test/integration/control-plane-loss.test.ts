import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { countBy, MeshHarness, outcome, sendMany, sendThrough, steadyTraffic, waitForRevision, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;
let reviews: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  [caller, reviews] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1")]);
  await mesh.waitForEndpoints(caller, "reviews", { v1: 1 });
});

afterAll(() => mesh?.close());

describe("control plane loss", () => {
  it("keeps serving every request while the control plane is down, and reports itself degraded", async () => {
    const traffic = steadyTraffic(caller, "reviews", "/steady");
    await waitFor(() => traffic.responses.length >= 20, { what: "traffic before the outage" });
    await mesh.stopControlPlane();
    await waitFor(async () => (await caller.config()).degraded && (await reviews.config()).degraded, {
      timeoutMs: 30_000,
      what: "both agents to report themselves degraded",
    });
    const atOutage = traffic.responses.length;
    await waitFor(() => traffic.responses.length >= atOutage + 50, { timeoutMs: 60_000, what: "traffic during the outage" });
    const responses = await traffic.stop();
    console.info(`control-plane loss measured: ${responses.length} requests across the outage, outcomes ${JSON.stringify(countBy(responses, outcome))}`);
    expect(countBy(responses, outcome)).toEqual({ "200": responses.length });
    expect((await caller.adminGet("/ready")).status).toBe(200);
  });

  it("serves from disk after an agent restart while the control plane is still down", async () => {
    await reviews.stopAgent("SIGTERM");
    await reviews.restartAgent();
    expect((await reviews.config()).degraded).toBe(true);

    await caller.stopAgent("SIGKILL");
    await caller.restartAgent();
    const config = await caller.config();
    expect(config.degraded).toBe(true);
    expect(config.snapshot?.destinations.reviews?.endpoints).toHaveLength(1);

    const responses = await sendMany(caller, "reviews", 50, { concurrency: 4 });
    expect(countBy(responses, outcome)).toEqual({ "200": 50 });
  });

  it("reconnects when the control plane returns and takes new config again", async () => {
    await mesh.restartControlPlane();
    await waitFor(async () => (await caller.config()).health === "ok" && (await reviews.config()).health === "ok", {
      timeoutMs: 60_000,
      what: "both agents to reconnect",
    });
    const revision = (await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  timeout: 3s
`))!;
    await waitForRevision(caller, revision);
    expect((await caller.config()).snapshot?.destinations.reviews?.trafficPolicy?.timeout).toBe("3s");
    expect((await sendThrough(caller, "reviews", "/")).status).toBe(200);
  });
});
