import { describe, expect, it } from "vitest";
import { healthOf } from "../../src/health/health.ts";

describe("health thresholds (Kiali's defaults)", () => {
  it("is idle without traffic, degraded above 0.1 % errors and failing above 20 %", () => {
    expect(healthOf(0, 0)).toBe("idle");
    expect(healthOf(100, 0.1)).toBe("healthy");
    expect(healthOf(100, 0.11)).toBe("degraded");
    expect(healthOf(100, 20)).toBe("degraded");
    expect(healthOf(100, 20.5)).toBe("failing");
  });
});
