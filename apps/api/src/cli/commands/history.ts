import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { describeChange, describeChangeDiff } from "../output/changes.ts";
import { toJson } from "../output/structured.ts";
import { formatTable } from "../output/table.ts";
import { ago } from "../output/time.ts";
import { parseRevision } from "./rollback.ts";

export const historyCommand: Command = {
  name: "history",
  usage: "history [REVISION] [-o json]",
  summary: "every change as a revision with actor, time and what changed; with REVISION, its diff",
  role: "viewer",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, outputOption);
    const [revisionText] = requirePositionals(positionals, [], ["REVISION"]);
    const format = outputFormat(values.output, ["table", "json"]);
    if (revisionText !== undefined) {
      const revision = await api().revisions.get.query({ id: parseRevision(revisionText) });
      if (format === "json") return print(toJson(revision));
      print(`revision ${revision.id}  ${revision.operation} by ${revision.actor}, ${new Date(revision.createdAt).toISOString()}`);
      if (revision.message) print(`  ${revision.message}`);
      for (const change of revision.changes) {
        print(describeChange(change));
        for (const line of describeChangeDiff(change)) print(line);
      }
      return;
    }
    const revisions = await api().revisions.list.query();
    if (format === "json") return print(toJson(revisions));
    if (revisions.length === 0) return print("no revisions yet: `mesh apply -f FILE` makes the first");
    print(
      formatTable(
        ["revision", "age", "actor", "operation", "changes"],
        revisions.map((r) => [r.id, ago(r.createdAt), r.actor, r.restoredFrom ? `${r.operation} to ${r.restoredFrom}` : r.operation, summarizeChanges(r.changes)]),
      ),
    );
  },
};

/** "MeshConfig/default, TrafficPolicy/reviews and 6 more": a revision's resources on one line. */
function summarizeChanges(changes: { kind: string; name: string }[]): string {
  const names = changes.map((c) => `${c.kind}/${c.name}`);
  return names.length <= 3 ? names.join(", ") : `${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}
