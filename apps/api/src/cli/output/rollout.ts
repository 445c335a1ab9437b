import type { RolloutStatus } from "../../config-push/rollout-status.ts";
import { formatTable } from "./table.ts";

/** "revision 7: applied by 2 of 3 affected agents", then a table of those that have not. */
export function describeRollout(status: RolloutStatus): string[] {
  const headline = status.total === 0
    ? `revision ${status.revision}: no live agent is affected by it`
    : `revision ${status.revision}: applied by ${status.applied} of ${status.total} affected agent${status.total === 1 ? "" : "s"}`;
  if (status.pending.length === 0) return [headline];
  return [headline, "", formatTable(["service", "instance", "reason"], status.pending.map((agent) => [agent.service, agent.instance, agent.reason]))];
}

/** One line per agent that has not applied the revision, for an error message. */
export function describePending(status: RolloutStatus): string {
  return status.pending.map((agent) => `  ${agent.service} ${agent.instance}: ${agent.reason}`).join("\n");
}
