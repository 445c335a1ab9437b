import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { endpointsOf, registerAgent, watchConfig, type SnapshotFeed } from "../agents/agent-client.ts";

// The hub judges whether each streaming instance is still registered from the same read it builds snapshots from.
describe("config streams of deregistered instances", () => {
  let cp: TestControlPlane;
  const feeds: SnapshotFeed[] = [];

  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await cp?.close();
  });

  it("ends at the push announcing the deregistration, while the service's other agent goes on with its own snapshot", async () => {
    const { url, joinToken } = cp.controlPlane;
    const leaving = await registerAgent(url, joinToken, { service: "details", inboundPort: 19101 });
    const staying = await registerAgent(url, joinToken, { service: "details", version: "v2", inboundPort: 19102 });
    const caller = await registerAgent(url, joinToken, { service: "reviews", inboundPort: 19103 });
    for (const agent of [leaving, staying, caller]) await agent.heartbeat();
    const [leavingFeed, stayingFeed, callerFeed] = [leaving, staying, caller].map((agent) => watchConfig(agent.client));
    feeds.push(leavingFeed!, stayingFeed!, callerFeed!);
    for (const feed of feeds) await waitFor(() => endpointsOf(feed.latest(), "details").length === 2 || null, { timeoutMs: 10_000, what: "both endpoints" });

    await leaving.client.agent.deregister.mutate();
    const refusal = await waitFor(() => leavingFeed!.errors[0], { timeoutMs: 10_000, what: "the leaving agent's stream to be refused" });
    expect(refusal).toMatchObject({ data: { code: "UNAUTHORIZED" } });
    for (const feed of [stayingFeed!, callerFeed!]) {
      await waitFor(() => endpointsOf(feed.latest(), "details").length === 1 || null, { timeoutMs: 10_000, what: "the endpoint to leave" });
      expect(endpointsOf(feed.latest(), "details")).toEqual([staying.registration.instanceId]);
    }

    const { revision } = await cp.admin.resources.applyDocuments.mutate({
      documents: [{ apiVersion: "mesh/v1", kind: "AccessPolicy", metadata: { name: "details-callers" }, spec: { target: "details", action: "allow", from: ["reviews"] } }],
    });
    const forStaying = await waitFor(() => stayingFeed!.snapshots.find((s) => s.revision === revision), { timeoutMs: 10_000, what: "details snapshot" });
    const forCaller = await waitFor(() => callerFeed!.snapshots.find((s) => s.revision === revision), { timeoutMs: 10_000, what: "reviews snapshot" });
    expect([forStaying.service, forStaying.inbound.accessPolicies.map((p) => p.name)]).toEqual(["details", ["details-callers"]]);
    expect([forCaller.service, forCaller.inbound.accessPolicies]).toEqual(["reviews", []]);
    expect(leavingFeed!.snapshots.some((s) => s.revision === revision)).toBe(false);
    expect(cp.controlPlane.deps.configHub.subscriberCount()).toBe(2);
  });
});
