import { describe, expect, it } from "vitest";
import { judgeObservedCalls } from "../../src/policy/judge-observed-calls.ts";

const readers = [{ name: "ratings-readers", spec: { target: "ratings", action: "allow" as const, from: ["reviews"], to: [{ methods: ["GET" as const], paths: ["/ratings/*"] }] } }];

describe("judging a pair on the calls it makes", () => {
  it("is allowed, some-paths, denied or unused, and asks about the most-seen call", () => {
    const get = { method: "GET", path: "/ratings/7", count: 40 };
    const post = { method: "POST", path: "/ratings/7", count: 2 };
    expect(judgeObservedCalls(readers, "allow", "reviews", "ratings", [get])).toMatchObject({ verdict: "allowed", mostSeen: get });
    expect(judgeObservedCalls(readers, "allow", "reviews", "ratings", [post, get])).toMatchObject({ verdict: "some-paths", mostSeen: get });
    expect(judgeObservedCalls(readers, "allow", "reviews", "ratings", [post]).verdict).toBe("denied");
    expect(judgeObservedCalls(readers, "allow", "reviews", "ratings", [])).toMatchObject({ verdict: "unused", mostSeen: null });
  });

  it("normalises paths as the agents do (/ratings//7 is /ratings/7)", () => {
    expect(judgeObservedCalls(readers, "allow", "reviews", "ratings", [{ method: "GET", path: "/ratings//7", count: 1 }]).verdict).toBe("allowed");
  });
});
