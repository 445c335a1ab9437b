import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evenWeights, rebalanceWeights, type WeightSlot } from "../src/rebalance-weights.ts";

const weightsOf = (slots: WeightSlot[]) => slots.map((s) => s.weight);
const total = (slots: WeightSlot[]) => slots.reduce((sum, s) => sum + s.weight, 0);

describe("rebalanceWeights", () => {
  it("moves the other version when there are two", () => {
    const slots = [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }];
    expect(weightsOf(rebalanceWeights(slots, "v2", 50))).toEqual([50, 50]);
  });

  it("shares the rest in proportion to the current weights", () => {
    const slots = [{ version: "v1", weight: 60 }, { version: "v2", weight: 30 }, { version: "v3", weight: 10 }];
    expect(weightsOf(rebalanceWeights(slots, "v1", 20))).toEqual([20, 60, 20]);
  });

  it("shares evenly when the others are all at zero", () => {
    const slots = [{ version: "v1", weight: 100 }, { version: "v2", weight: 0 }, { version: "v3", weight: 0 }];
    expect(weightsOf(rebalanceWeights(slots, "v1", 40))).toEqual([40, 30, 30]);
  });

  it("keeps locked versions and clamps the moved one to what they leave", () => {
    const slots = [{ version: "v1", weight: 50 }, { version: "v2", weight: 30, locked: true }, { version: "v3", weight: 20 }];
    expect(weightsOf(rebalanceWeights(slots, "v1", 90))).toEqual([70, 30, 0]);
    expect(weightsOf(rebalanceWeights(slots, "v3", 5))).toEqual([65, 30, 5]);
  });

  it("cannot move a version when every other one is locked", () => {
    const slots = [{ version: "v1", weight: 60 }, { version: "v2", weight: 40, locked: true }];
    expect(weightsOf(rebalanceWeights(slots, "v1", 10))).toEqual([60, 40]);
  });

  it("rounds to whole percents and clamps out-of-range requests", () => {
    const slots = [{ version: "a", weight: 34 }, { version: "b", weight: 33 }, { version: "c", weight: 33 }];
    expect(weightsOf(rebalanceWeights(slots, "a", 0.4))).toEqual([0, 50, 50]);
    expect(weightsOf(rebalanceWeights(slots, "a", 250))).toEqual([100, 0, 0]);
    expect(weightsOf(rebalanceWeights(slots, "a", -3))).toEqual([0, 50, 50]);
  });

  it("names an unknown version", () => {
    expect(() => rebalanceWeights([{ version: "v1", weight: 100 }], "v9", 10)).toThrow(/no version v9/);
  });

  it("always sums to 100 and never touches locked versions", () => {
    const slotsArb = fc
      .array(fc.record({ weight: fc.nat({ max: 100 }), locked: fc.boolean() }), { minLength: 1, maxLength: 6 })
      .map((raw) => {
        // Normalise arbitrary weights into a valid split summing to 100.
        const slots: WeightSlot[] = raw.map((r, i) => ({ version: `v${i}`, weight: 0, locked: r.locked }));
        const even = evenWeights(slots.map((s) => ({ ...s, locked: false })));
        return even.map((s, i) => ({ ...s, locked: raw[i]!.locked }));
      });
    fc.assert(
      fc.property(slotsArb, fc.nat({ max: 5 }), fc.integer({ min: -20, max: 140 }), (slots, pick, requested) => {
        const version = slots[pick % slots.length]!.version;
        const next = rebalanceWeights(slots, version, requested);
        expect(total(next)).toBe(100);
        next.forEach((s, i) => {
          expect(s.weight).toBeGreaterThanOrEqual(0);
          if (s.locked && s.version !== version) expect(s.weight).toBe(slots[i]!.weight);
        });
      }),
    );
  });
});

describe("evenWeights", () => {
  it("splits 100 over the unlocked versions", () => {
    expect(weightsOf(evenWeights([{ version: "a", weight: 0 }, { version: "b", weight: 0 }, { version: "c", weight: 0 }]))).toEqual([34, 33, 33]);
    expect(weightsOf(evenWeights([{ version: "a", weight: 40, locked: true }, { version: "b", weight: 60 }, { version: "c", weight: 0 }]))).toEqual([40, 30, 30]);
  });
});
