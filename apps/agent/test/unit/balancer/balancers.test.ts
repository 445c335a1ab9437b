import { describe, expect, it } from "vitest";
import type { Endpoint } from "@mesh/shared";
import { createBalancer } from "../../../src/balancer/create-balancer.ts";
import { EndpointSet } from "../../../src/balancer/endpoint-set.ts";
import { EwmaBalancer } from "../../../src/balancer/ewma.ts";
import { LeastRequestBalancer } from "../../../src/balancer/least-request.ts";
import { RandomBalancer } from "../../../src/balancer/random.ts";
import { RoundRobinBalancer } from "../../../src/balancer/round-robin.ts";

const endpoints = (count: number, version = "v1"): Endpoint[] =>
  Array.from({ length: count }, (_, i) => ({ instanceId: `id-${i}`, version, address: "10.0.0.1", port: 15006 + i }));

function tally(pick: () => string | undefined, times: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    const id = pick()!;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe("round-robin", () => {
  it("visits every endpoint in turn", () => {
    const set = new EndpointSet(endpoints(3));
    const balancer = new RoundRobinBalancer();
    const order = Array.from({ length: 6 }, () => balancer.pick(set.available)!.instanceId);
    expect(order).toEqual(["id-0", "id-1", "id-2", "id-0", "id-1", "id-2"]);
  });

  it("keeps going when the list shrinks under it", () => {
    const set = new EndpointSet(endpoints(3));
    const balancer = new RoundRobinBalancer();
    balancer.pick(set.available);
    balancer.pick(set.available);
    balancer.pick(set.available);
    set.update(endpoints(2));
    expect(balancer.pick(set.available)!.instanceId).toBe("id-0");
  });
});

describe("random", () => {
  it("spreads evenly", () => {
    const set = new EndpointSet(endpoints(4));
    const counts = tally(() => new RandomBalancer().pick(set.available)?.instanceId, 8000);
    for (const id of ["id-0", "id-1", "id-2", "id-3"]) expect(counts[id]! / 8000).toBeGreaterThan(0.2);
  });
});

describe("least-request (P2C on in-flight)", () => {
  it("never picks the busiest of two", () => {
    const set = new EndpointSet(endpoints(2));
    set.all[0]!.inFlight = 5;
    const balancer = new LeastRequestBalancer();
    for (let i = 0; i < 50; i++) expect(balancer.pick(set.available)!.instanceId).toBe("id-1");
  });

  it("steers most traffic away from a loaded endpoint among many", () => {
    const set = new EndpointSet(endpoints(4));
    set.all[2]!.inFlight = 100;
    const counts = tally(() => new LeastRequestBalancer().pick(set.available)?.instanceId, 4000);
    // P2C always compares two distinct endpoints, so the loaded one loses every draw.
    expect(counts["id-2"] ?? 0).toBe(0);
  });
});

describe("ewma (P2C on peak-EWMA latency)", () => {
  it("prefers the fast endpoint and forgets a slow spell", () => {
    const set = new EndpointSet(endpoints(2));
    const [fast, slow] = set.all as [NonNullable<(typeof set.all)[0]>, NonNullable<(typeof set.all)[0]>];
    fast.recordLatency(2, 1000);
    slow.recordLatency(200, 1000);
    const balancer = new EwmaBalancer();
    for (let i = 0; i < 20; i++) expect(balancer.pick(set.available)).toBe(fast);
    // Peak: one slow response counts in full at once...
    fast.recordLatency(500, 1001);
    expect(fast.ewmaMs).toBe(500);
    // ...and fast responses bring it back down over seconds.
    for (let t = 2000; t <= 60_000; t += 1000) fast.recordLatency(2, t);
    expect(fast.ewmaMs).toBeLessThan(10);
  });
});

describe("endpoint set", () => {
  it("keeps per-endpoint stats across snapshot updates, by instanceId", () => {
    const set = new EndpointSet(endpoints(2));
    set.all[1]!.inFlight = 7;
    set.all[1]!.ewmaMs = 42;
    set.update([...endpoints(3)].reverse());
    const kept = set.all.find((s) => s.instanceId === "id-1")!;
    expect(kept.inFlight).toBe(7);
    expect(kept.ewmaMs).toBe(42);
    expect(set.all.map((s) => s.instanceId)).toEqual(["id-2", "id-1", "id-0"]);
  });

  it("starts fresh stats when an instance moved to another address", () => {
    const set = new EndpointSet(endpoints(1));
    set.all[0]!.inFlight = 3;
    set.update([{ ...endpoints(1)[0]!, port: 9999 }]);
    expect(set.all[0]!.inFlight).toBe(0);
  });

  it("leaves ejected endpoints out until their time is up", () => {
    const set = new EndpointSet(endpoints(2));
    const now = Date.now();
    set.all[0]!.ejectedUntil = now + 1000;
    set.refresh(now);
    expect(set.availableAt(now).map((s) => s.instanceId)).toEqual(["id-1"]);
    expect(set.availableAt(now + 1000).map((s) => s.instanceId)).toEqual(["id-0", "id-1"]);
  });

  it("every policy name builds a balancer", () => {
    const set = new EndpointSet(endpoints(3));
    for (const kind of ["round-robin", "least-request", "random", "ewma"] as const) expect(createBalancer(kind).pick(set.available)).toBeDefined();
    expect(createBalancer("ewma").pick([])).toBeUndefined();
  });
});
