import { describe, expect, it } from "vitest";
import { renewalDelayMs } from "../../../src/identity/renewal-schedule.ts";

const HOUR = 3_600_000;

describe("certificate renewal schedule", () => {
  it("renews between half and 60 % of the lifetime, spread by jitter", () => {
    const notBefore = new Date(0);
    const notAfter = new Date(24 * HOUR);
    const delays = Array.from({ length: 200 }, () => renewalDelayMs(notBefore, notAfter, 0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(12 * HOUR);
    expect(Math.max(...delays)).toBeLessThanOrEqual(14.4 * HOUR);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("is due at once when half-life has passed or the certificate has expired", () => {
    expect(renewalDelayMs(new Date(0), new Date(24 * HOUR), 20 * HOUR)).toBe(0);
    expect(renewalDelayMs(new Date(0), new Date(24 * HOUR), 30 * HOUR)).toBe(0);
  });
});
