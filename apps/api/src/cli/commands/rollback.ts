import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { describeChange } from "../output/changes.ts";
import { toJson } from "../output/structured.ts";
import { UsageError } from "../errors.ts";

export const rollbackCommand: Command = {
  name: "rollback",
  usage: "rollback REVISION [-o json]",
  summary: "restore every resource to how it was at REVISION (itself a new revision)",
  role: "editor",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, outputOption);
    const [revisionText] = requirePositionals(positionals, ["REVISION"]);
    const format = outputFormat(values.output, ["table", "json"]);
    const result = await api().revisions.rollback.mutate({ revision: parseRevision(revisionText!) });
    if (format === "json") return print(toJson(result));
    for (const change of result.changes) print(describeChange(change));
    print(result.revision === null ? `already at the state of revision ${revisionText}: nothing changed` : `rolled back to revision ${revisionText} as revision ${result.revision}`);
  },
};

export function parseRevision(text: string): number {
  const revision = Number(text);
  if (!/^\d+$/.test(text) || revision < 1) throw new UsageError(`REVISION must be a revision number like 3 (got "${text}"); see \`mesh history\``);
  return revision;
}
