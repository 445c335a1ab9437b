import { diffLines } from "@mesh/shared";
import { toYaml } from "./structured.ts";

export interface ResourceChange {
  kind: string;
  name: string;
  action: string;
  before?: unknown;
  after?: unknown;
}

const PAST_TENSE: Record<string, string> = { create: "created", update: "updated", delete: "deleted", unchanged: "unchanged" };
const MARK = { same: " ", add: "+", del: "-" } as const;

/** "TrafficPolicy/reviews updated", one line per resource, like kubectl apply. */
export function describeChange(change: ResourceChange, dryRun = false): string {
  const verb = PAST_TENSE[change.action] ?? change.action;
  return `${change.kind}/${change.name} ${verb}${dryRun && change.action !== "unchanged" ? " (dry run)" : ""}`;
}

/** The YAML diff of one resource before and after ("-" removed, "+" added), indented under its summary line. */
export function describeChangeDiff(change: ResourceChange): string[] {
  if (change.action === "unchanged") return [];
  const before = change.before === null || change.before === undefined ? "" : toYaml(change.before);
  const after = change.after === null || change.after === undefined ? "" : toYaml(change.after);
  return diffLines(before, after).map((line) => `    ${MARK[line.kind]} ${line.text}`);
}
