import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANCE_TTL_MS } from "@mesh/api";
import { waitFor } from "@mesh/testkit";
import { countBy, MeshHarness, outcome, steadyTraffic, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;
let reviews: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  [caller, reviews] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1")]);
  await mesh.waitForEndpoints(caller, "reviews", { v1: 1 });
});

afterAll(() => mesh?.close());

/** When an agent last heard from the control plane, from its /config. */
async function lastContact(instance: ServiceInstance): Promise<number> {
  const view = (await instance.config()) as unknown as { controlPlane: { lastContact: string | null } | null };
  return Date.parse(view.controlPlane?.lastContact ?? "") || 0;
}

/** How many endpoints of reviews the caller runs with, from its /config. */
async function reviewsEndpointsAtCaller(): Promise<number> {
  return (await caller.config()).snapshot?.destinations.reviews?.endpoints.length ?? 0;
}

describe("a control plane restarted after an outage longer than the instance TTL", () => {
  it("does not take endpoints from callers before their agents have had time to come back", async () => {
    const before = steadyTraffic(caller, "reviews", "/steady");
    await waitFor(() => before.responses.length >= 20, { what: "traffic before the outage" });
    await mesh.stopControlPlane();
    // Every heartbeat the restarted control plane finds is older than the TTL: it must not take that for dead agents.
    await waitFor(async () => Math.max(await lastContact(caller), await lastContact(reviews)) < Date.now() - INSTANCE_TTL_MS - 1000, {
      timeoutMs: INSTANCE_TTL_MS + 30_000,
      intervalMs: 250,
      what: "both agents' last contact to be older than the instance TTL",
    });
    const during = await before.stop();

    // reviews' agent is the slow one to reconnect (its backoff, here a paused process); the caller is back first.
    reviews.agent.child.kill("SIGSTOP");
    try {
      await mesh.restartControlPlane();
      await waitFor(async () => (await caller.config()).health === "ok", { timeoutMs: 60_000, what: "the caller to reconnect" });
      // Watch the caller across the new control plane's first expiry sweeps (one a second) and the snapshots they push.
      let fewest = Infinity;
      const watchUntil = Date.now() + 3000;
      while (Date.now() < watchUntil) fewest = Math.min(fewest, await reviewsEndpointsAtCaller());
      expect(fewest, "reviews endpoints the caller kept while reviews' agent had not reconnected").toBe(1);
    } finally {
      reviews.agent.child.kill("SIGCONT");
    }

    await waitFor(async () => (await reviews.config()).health === "ok", { timeoutMs: 60_000, what: "reviews' agent to reconnect" });
    const after = steadyTraffic(caller, "reviews", "/steady");
    await waitFor(() => after.responses.length >= 50, { timeoutMs: 30_000, what: "traffic after the restart" });
    const responses = [...during, ...(await after.stop())];
    console.info(`control-plane restart after the TTL measured: ${responses.length} requests, outcomes ${JSON.stringify(countBy(responses, outcome))}`);
    expect(countBy(responses, outcome)).toEqual({ "200": responses.length });
  });
});
