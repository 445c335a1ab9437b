import { describe, expect, it } from "vitest";
import { healthOf, trafficHealth } from "../../src/health/health.ts";

describe("health thresholds (Kiali's defaults)", () => {
  it("is idle without traffic, degraded above 0.1 % errors and failing above 20 %", () => {
    expect(healthOf(0, 0)).toBe("idle");
    expect(healthOf(100, 0.1)).toBe("healthy");
    expect(healthOf(100, 0.11)).toBe("degraded");
    expect(healthOf(100, 20)).toBe("degraded");
    expect(healthOf(100, 20.5)).toBe("failing");
  });
});

describe("traffic health: 5xx and 4xx with their own thresholds, denied calls their own state", () => {
  it("counts 4xx from 10 %, names mostly-denied traffic denied, and calls no traffic idle", () => {
    expect(trafficHealth({ requests: 0, errorPercent: null })).toBe("idle");
    expect(trafficHealth({ requests: 100, errorPercent: 0, clientErrorPercent: 9 })).toBe("healthy");
    expect(trafficHealth({ requests: 100, errorPercent: 0, clientErrorPercent: 11 })).toBe("degraded");
    expect(trafficHealth({ requests: 100, errorPercent: 0, clientErrorPercent: 25 })).toBe("failing");
    expect(trafficHealth({ requests: 100, errorPercent: 0, clientErrorPercent: 100, denied: { count: 100, percent: 100, policy: "p" } })).toBe("denied");
    expect(trafficHealth({ requests: 100, errorPercent: 30, clientErrorPercent: 50, denied: { count: 50, percent: 50, policy: "p" } })).toBe("failing");
  });
});
