import { describe, expect, it } from "vitest";
import { diffLines } from "../src/index.ts";

describe("diffLines", () => {
  it("keeps common lines and marks removed and added ones in order", () => {
    const before = "routes:\n  - v1: 90\n  - v3: 10\ntimeout: 2s\n";
    const after = "routes:\n  - v1: 50\n  - v3: 50\ntimeout: 2s\n";
    expect(diffLines(before, after)).toEqual([
      { kind: "same", text: "routes:" },
      { kind: "del", text: "  - v1: 90" },
      { kind: "del", text: "  - v3: 10" },
      { kind: "add", text: "  - v1: 50" },
      { kind: "add", text: "  - v3: 50" },
      { kind: "same", text: "timeout: 2s" },
    ]);
  });

  it("treats an empty side as a whole creation or deletion", () => {
    expect(diffLines("", "a\nb")).toEqual([{ kind: "add", text: "a" }, { kind: "add", text: "b" }]);
    expect(diffLines("a\n", "")).toEqual([{ kind: "del", text: "a" }]);
  });
});
