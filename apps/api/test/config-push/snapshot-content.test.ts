import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { registerAgent, watchConfig, type RegisteredAgent, type SnapshotFeed } from "../agents/agent-client.ts";

const RESOURCES = `
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: permissive, defaultAccess: deny }
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ratings }
spec:
  routes:
    - backends: [{ version: v1, weight: 80 }, { version: v2, weight: 20 }]
  timeout: 2s
  rateLimit: { requestsPerSecond: 50, burst: 10 }
---
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
metadata: { name: reviews-open }
spec: { target: reviews, action: allow, from: ["*"] }
`;

describe("what each agent's snapshot holds", () => {
  let cp: TestControlPlane;
  let reviews: RegisteredAgent;
  let ratingsV1: RegisteredAgent;
  let ratingsV2: RegisteredAgent;
  const feeds: SnapshotFeed[] = [];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    const { url, joinToken } = cp.controlPlane;
    reviews = await registerAgent(url, joinToken, { service: "reviews", inboundPort: 19001 });
    ratingsV2 = await registerAgent(url, joinToken, { service: "ratings", version: "v2", address: "127.0.0.3", inboundPort: 19003 });
    ratingsV1 = await registerAgent(url, joinToken, { service: "ratings", version: "v1", address: "127.0.0.2", inboundPort: 19002 });
    for (const agent of [reviews, ratingsV1, ratingsV2]) await agent.heartbeat();
  });
  afterAll(async () => {
    for (const feed of feeds) feed.stop();
    await cp?.close();
  });

  it("starts from the default MeshConfig when none was applied", async () => {
    const feed = watchConfig(reviews.client);
    feeds.push(feed);
    const snapshot = await waitFor(() => feed.latest(), { timeoutMs: 10_000, what: "snapshot" });
    expect(snapshot.revision).toBe(0);
    expect(snapshot.meshConfig).toEqual({ mtls: "strict", defaultAccess: "allow", tracing: { sampling: 0.01 }, telemetry: { retention: "24h" } });
    expect(snapshot.inbound).toEqual({ accessPolicies: [], rateLimit: null });
  });

  it("gives the destination's agents its access policies and rate limit, and every agent all destinations", async () => {
    const { revision } = await cp.admin.resources.applyDocuments.mutate({ yaml: RESOURCES });
    const reviewsFeed = feeds[0]!;
    const ratingsFeed = watchConfig(ratingsV1.client);
    feeds.push(ratingsFeed);
    const atRevision = (feed: SnapshotFeed) => () => feed.snapshots.find((s) => s.revision === revision);
    const forReviews = await waitFor(atRevision(reviewsFeed), { timeoutMs: 5_000, what: "reviews snapshot" });
    const forRatings = await waitFor(atRevision(ratingsFeed), { timeoutMs: 5_000, what: "ratings snapshot" });

    expect(forReviews.meshConfig).toMatchObject({ mtls: "permissive", defaultAccess: "deny" });
    expect(forReviews.inbound.accessPolicies.map((p) => p.name)).toEqual(["reviews-open"]);
    expect(forReviews.inbound.rateLimit).toBeNull();
    expect(forRatings.inbound.accessPolicies).toEqual([
      { name: "ratings-readers", spec: { target: "ratings", action: "allow", from: ["reviews"], to: [{ methods: ["GET"], paths: ["/ratings/*"] }] } },
    ]);
    expect(forRatings.inbound.rateLimit).toEqual({ requestsPerSecond: 50, burst: 10 });

    for (const snapshot of [forReviews, forRatings]) {
      expect(Object.keys(snapshot.destinations).sort()).toEqual(["ratings", "reviews"]);
      expect(snapshot.destinations.ratings!.trafficPolicy).toMatchObject({
        routes: [{ backends: [{ version: "v1", weight: 80 }, { version: "v2", weight: 20 }] }],
        timeout: "2s",
      });
      expect(snapshot.destinations.ratings!.endpoints).toEqual([
        { instanceId: ratingsV1.registration.instanceId, version: "v1", address: "127.0.0.2", port: 19002 },
        { instanceId: ratingsV2.registration.instanceId, version: "v2", address: "127.0.0.3", port: 19003 },
      ]);
      expect(snapshot.destinations.reviews).toEqual({
        trafficPolicy: null,
        endpoints: [{ instanceId: reviews.registration.instanceId, version: "v1", address: "127.0.0.1", port: 19001 }],
      });
    }
  });

  it("delivers a burst of changes in order, ending at the last one", async () => {
    const feed = feeds[0]!;
    const seenBefore = feed.snapshots.length;
    let last = 0;
    for (let percent = 1; percent <= 10; percent++) {
      const yaml = `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec: { routes: [{ backends: [{ version: v1, weight: ${100 - percent} }, { version: v2, weight: ${percent} }] }] }`;
      last = (await cp.admin.resources.applyDocuments.mutate({ yaml })).revision!;
    }
    const final = await waitFor(() => feed.snapshots.find((s) => s.revision === last), { timeoutMs: 5_000, what: "last revision" });
    expect(final.destinations.reviews!.trafficPolicy!.routes![0]!.backends[1]).toEqual({ version: "v2", weight: 10 });
    expect(await cp.controlPlane.deps.configHub.snapshotFor("reviews")).toEqual(feed.latest());
    const revisions = feed.snapshots.slice(seenBefore).map((s) => s.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
  });

  it("shows which agents run the latest revision, from their heartbeats", async () => {
    const latest = feeds[0]!.latest()!.revision;
    await reviews.heartbeat("ok", latest);
    await ratingsV1.heartbeat("degraded", latest - 1);
    const status = await cp.admin.agents.status.query();
    expect(status.revision).toBe(latest);
    const byInstance = new Map(status.agents.map((agent) => [agent.instanceId, agent]));
    expect(byInstance.get(reviews.registration.instanceId)).toMatchObject({ appliedRevision: latest, upToDate: true, health: "ok" });
    expect(byInstance.get(ratingsV1.registration.instanceId)).toMatchObject({ appliedRevision: latest - 1, upToDate: false, health: "degraded" });
    // Heartbeat times are written with the database clock; they must read back as the same instant, in UTC.
    expect(Math.abs(Date.parse(byInstance.get(reviews.registration.instanceId)!.lastHeartbeatAt) - Date.now())).toBeLessThan(5_000);
  });
});
