import { describe, expect, it } from "vitest";
import { chooseBackend, weightedPicker } from "../src/index.ts";

/** A seeded generator so the statistical test is reproducible (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("weighted backend choice", () => {
  it("follows the weights: chi-squared test over 100,000 draws of a 70/20/10 split", () => {
    const backends = [
      { version: "v1", weight: 70 },
      { version: "v2", weight: 20 },
      { version: "v3", weight: 10 },
    ];
    const pick = weightedPicker(backends);
    const random = seeded(42);
    const draws = 100_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const { version } = pick(random());
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
    const chiSquared = backends.reduce((sum, b) => {
      const expected = (draws * b.weight) / 100;
      return sum + (counts.get(b.version)! - expected) ** 2 / expected;
    }, 0);
    // 2 degrees of freedom: p = 0.001 at 13.8.
    expect(chiSquared).toBeLessThan(13.8);
  });

  it("maps the unit interval onto cumulative weights exactly", () => {
    const pick = weightedPicker([
      { version: "v1", weight: 90 },
      { version: "v3", weight: 10 },
    ]);
    expect(pick(0).version).toBe("v1");
    expect(pick(0.8999).version).toBe("v1");
    expect(pick(0.9).version).toBe("v3");
    expect(pick(0.99999).version).toBe("v3");
  });

  it("never picks a zero-weight backend (blue-green at 100/0)", () => {
    const backends = [
      { version: "blue", weight: 100 },
      { version: "green", weight: 0 },
    ];
    for (const r of [0, 0.5, 0.999999]) expect(chooseBackend(backends, r).version).toBe("blue");
  });

  it("refuses a set where every weight is zero", () => {
    expect(() => weightedPicker([{ version: "v1", weight: 0 }])).toThrow(/no backend has a weight above zero/);
  });
});
