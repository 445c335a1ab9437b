import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "@mesh/shared";
import { EndpointSet } from "../../../src/balancer/endpoint-set.ts";
import { recordOutcome, type OutlierSettings } from "../../../src/resilience/outlier.ts";
import { httpCall } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

const settings: OutlierSettings = { consecutiveErrors: 3, intervalMs: 10_000, baseEjectionMs: 1000, maxEjectionPercent: 50 };
const endpoints = (count: number): Endpoint[] => Array.from({ length: count }, (_, i) => ({ instanceId: `id-${i}`, version: "v1", address: "10.0.0.1", port: 1 + i }));

describe("outlier detection", () => {
  it("ejects after consecutive errors and returns after the ejection time", () => {
    const set = new EndpointSet(endpoints(2));
    const bad = set.all[0]!;
    expect(recordOutcome(settings, set, bad, true, 0)).toBe(false);
    expect(recordOutcome(settings, set, bad, true, 1)).toBe(false);
    expect(recordOutcome(settings, set, bad, true, 2)).toBe(true);
    expect(set.availableAt(500).map((s) => s.instanceId)).toEqual(["id-1"]);
    expect(set.availableAt(1002).map((s) => s.instanceId)).toEqual(["id-0", "id-1"]);
  });

  it("ejects for longer each time (base × ejections)", () => {
    const set = new EndpointSet(endpoints(2));
    const bad = set.all[0]!;
    for (let i = 0; i < 3; i++) recordOutcome(settings, set, bad, true, 0);
    expect(bad.ejectedUntil).toBe(1000);
    for (let i = 0; i < 3; i++) recordOutcome(settings, set, bad, true, 1000 + i);
    expect(bad.ejectedUntil).toBe(1002 + 2000);
  });

  it("a success in between resets the count", () => {
    const set = new EndpointSet(endpoints(2));
    const state = set.all[0]!;
    recordOutcome(settings, set, state, true, 0);
    recordOutcome(settings, set, state, true, 1);
    recordOutcome(settings, set, state, false, 2);
    expect(recordOutcome(settings, set, state, true, 3)).toBe(false);
  });

  it("errors further apart than the interval are not consecutive", () => {
    const set = new EndpointSet(endpoints(2));
    const state = set.all[0]!;
    recordOutcome(settings, set, state, true, 0);
    recordOutcome(settings, set, state, true, 20_000);
    expect(recordOutcome(settings, set, state, true, 40_000)).toBe(false);
  });

  it("an ejection is seen by every set sharing the endpoint (a version's pool and the all-versions one)", () => {
    const epoch = { value: 0 };
    const version = new EndpointSet(endpoints(2), epoch);
    const all = new EndpointSet([], epoch);
    all.update(endpoints(3), version.byInstance());
    expect(all.availableAt(0)).toHaveLength(3);
    for (let i = 0; i < 3; i++) recordOutcome(settings, version, version.all[0]!, true, i);
    expect(all.availableAt(10).map((s) => s.instanceId)).toEqual(["id-1", "id-2"]);
  });

  it("never ejects more than maxEjectionPercent of the set", () => {
    const set = new EndpointSet(endpoints(2));
    for (const state of set.all) for (let i = 0; i < 3; i++) recordOutcome(settings, set, state, true, i);
    expect(set.ejectedCount(10)).toBe(1);
    expect(set.availableAt(10)).toHaveLength(1);
  });
});

describe("outlier detection through the data plane", () => {
  let mesh: SmallMesh;
  beforeAll(async () => {
    mesh = await startSmallMesh([{ version: "v1", respond: () => ({ status: 500, body: "broken" }) }, { version: "v1" }]);
  });
  afterAll(() => mesh.close());

  it("stops sending to a failing instance, then tries it again after baseEjectionTime", async () => {
    mesh.setPolicy({ loadBalancer: "round-robin", circuitBreaker: { consecutiveErrors: 2, baseEjectionTime: "400ms", maxEjectionPercent: 50 } });
    const broken = mesh.apps[0]!;
    for (let i = 0; i < 6; i++) await httpCall(mesh.outboundPort, "/", { headers: { host: "server" } });
    const seenWhenEjected = broken.seen.length;
    expect(seenWhenEjected).toBe(2);
    const replies = await Promise.all(Array.from({ length: 10 }, () => httpCall(mesh.outboundPort, "/", { headers: { host: "server" } })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(broken.seen.length).toBe(seenWhenEjected);
    await new Promise((resolve) => setTimeout(resolve, 450)); // the ejection time itself is what is under test
    for (let i = 0; i < 4; i++) await httpCall(mesh.outboundPort, "/", { headers: { host: "server" } });
    expect(broken.seen.length).toBeGreaterThan(seenWhenEjected);
  });

  it("answers 503 circuit-open when every instance is ejected", async () => {
    const single = await startSmallMesh([{ version: "v1", respond: () => ({ status: 500 }) }], {
      circuitBreaker: { consecutiveErrors: 1, baseEjectionTime: "10s", maxEjectionPercent: 100 },
    });
    try {
      expect((await httpCall(single.outboundPort, "/", { headers: { host: "server" } })).status).toBe(500);
      const reply = await httpCall(single.outboundPort, "/", { headers: { host: "server" } });
      expect(reply.status).toBe(503);
      expect(reply.headers["x-mesh-error"]).toBe("circuit-open");
    } finally {
      await single.close();
    }
  });
});
