import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseResourcesYaml, ResourceValidationError, selectRoute, type Route } from "../src/index.ts";

const TIMER = fileURLToPath(new URL("./fixtures/time-header-regex.ts", import.meta.url));
/** Generous for a loaded 2-core machine; the backtracking engine took 2 s at 30 bytes, doubling per byte. */
const DEADLINE_MS = 20_000;

/** Median µs per selectRoute of each value, measured in a process of its own that is killed at the deadline. */
function timeMatches(pattern: string, values: string[]): number[] {
  const run = spawnSync(process.execPath, ["--import", "tsx", TIMER, pattern, JSON.stringify(values)], { encoding: "utf8", timeout: DEADLINE_MS });
  if (run.error || run.status !== 0) {
    throw new Error(`matching did not finish within ${DEADLINE_MS} ms (status ${run.status}, ${run.signal ?? run.error?.message ?? ""}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout) as number[];
}

describe("header regex matching takes time linear in the header's length (RE2 semantics)", () => {
  it("a catastrophic-backtracking pattern against a crafted header does not stall the matcher", { timeout: DEADLINE_MS + 5_000 }, () => {
    const attack30 = `${"a".repeat(30)}!`;
    const attack8k = `${"a".repeat(8192)}!`;
    const [micros30, micros8k] = timeMatches("(a+)+$", [attack30, attack8k]);
    console.log(`(a+)+$ median per request: ${micros30!.toFixed(1)} µs at 31 bytes, ${micros8k!.toFixed(1)} µs at 8 KiB`);
    expect(micros30).toBeLessThan(5_000);
    expect(micros8k).toBeLessThan(50_000);
  });

  const route = (regex: string): Route[] => [{ match: { headers: { "x-user": { regex } } }, backends: [{ version: "v2", weight: 100 }] }];
  const chosen = (regex: string, value: string) => selectRoute(route(regex), { method: "GET", path: "/", headers: { "x-user": value } }) !== null;

  it("matches the whole value, alternation included", () => {
    expect(chosen("jason|alice", "alice")).toBe(true);
    expect(chosen("jason|alice", "jasonx")).toBe(false);
    expect(chosen("jason|alice", "xalice")).toBe(false);
    expect(chosen("(a+)+$", "aaaa")).toBe(true);
    expect(chosen("(a+)+$", "aaa!")).toBe(false);
  });

  it("supports RE2's own syntax, such as an inline case-insensitive flag", () => {
    expect(chosen("(?i)jason", "JASON")).toBe(true);
  });
});

describe("apply refuses header regexes RE2 cannot run, naming the document and field", () => {
  const policyWithRegex = (regex: string) => `
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: {}
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - backends: [{ version: v1, weight: 100 }]
      match: { headers: { x-user: { regex: '${regex}' } } }
`;
  const refusal = (regex: string): string => {
    try {
      parseResourcesYaml(policyWithRegex(regex));
    } catch (error) {
      if (error instanceof ResourceValidationError) return error.message;
      throw error;
    }
    throw new Error(`accepted ${regex}`);
  };

  it.each([
    ["a backreference", "(a)\\1"],
    ["a lookahead", "(?=admin)a.*"],
    ["a negative lookbehind", "(?<!x)y"],
    ["a pattern that does not parse", "("],
  ])("%s", (_what, regex) => {
    const message = refusal(regex);
    expect(message).toContain("document 2 (TrafficPolicy/reviews): spec.routes[0].match.headers.x-user.regex:");
    expect(message).toContain("not a valid RE2 regular expression");
  });

  it("accepts the RE2 pattern from the attack: it is safe to run, so nothing to refuse", () => {
    expect(() => parseResourcesYaml(policyWithRegex("(a+)+$"))).not.toThrow();
  });
});
