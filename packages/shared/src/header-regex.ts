import { RE2JS } from "re2js";

/**
 * Header-match regexes run on the caller's agent for every request a regex route sees, against
 * header values the caller chooses. A backtracking engine (JavaScript's RegExp) lets one crafted
 * header stall the agent (`(a+)+$` against 30 bytes took seconds), so they use RE2 semantics, as
 * Envoy does: matching is linear in the header's length; backreferences and lookaround do not
 * exist. The pattern must match the whole value (it is anchored at both ends).
 */
export interface HeaderRegex {
  matchesWhole(value: string): boolean;
}

/** Null when the pattern compiles under RE2, otherwise the reason, for the apply-time error. */
export function headerRegexProblem(source: string): string | null {
  try {
    RE2JS.compile(source);
    return null;
  } catch (error) {
    return `not a valid RE2 regular expression (linear-time matching: no backreferences or lookaround): ${(error as Error).message}`;
  }
}

/** Throws when the pattern is not valid RE2 (validation refuses such patterns before they get here). */
export function compileHeaderRegex(source: string): HeaderRegex {
  const compiled = RE2JS.compile(source);
  return { matchesWhole: (value) => compiled.testExact(value) };
}
