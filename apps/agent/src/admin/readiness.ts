import type { AgentState } from "../state.ts";

/** What keeps the agent from being ready; empty when it can serve. */
export function readinessGaps(state: AgentState, draining: boolean, now = Date.now()): string[] {
  const gaps: string[] = [];
  if (draining) gaps.push("shutting down");
  if (!state.snapshot) gaps.push("no config snapshot from the control plane yet");
  if (!state.credentials) gaps.push("no workload certificate yet");
  else if (state.credentials.notAfter.getTime() <= now) gaps.push(`workload certificate expired at ${state.credentials.notAfter.toISOString()}`);
  return gaps;
}
