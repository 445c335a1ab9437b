import { describe, expect, it } from "vitest";
import { durationSchema, formatDuration, parseDuration } from "../src/index.ts";

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["1m", 60_000],
    ["24h", 86_400_000],
  ])("parses %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["2", "2x", "-1s", "s", "1 s s", ""])("rejects %j with a message naming the format", (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration: use a number with ms, s, m or h/);
    expect(durationSchema.safeParse(text).success).toBe(false);
  });

  it("rejects zero in resources", () => {
    const result = durationSchema.safeParse("0s");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("must be greater than zero");
  });

  it("formats back to the largest whole unit", () => {
    expect(formatDuration(2000)).toBe("2s");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(3_600_000)).toBe("1h");
  });
});
