import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { describeRollout } from "../output/rollout.ts";
import { toJson } from "../output/structured.ts";
import { UsageError } from "../errors.ts";
import { parseRevision } from "./rollback.ts";

export const rolloutCommand: Command = {
  name: "rollout",
  usage: "rollout status [REVISION] [-o json]",
  summary: "how many affected live agents have applied REVISION (default: the newest), and why each other one has not",
  role: "viewer",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, outputOption);
    const [action, revisionText] = requirePositionals(positionals, ["status"], ["REVISION"]);
    if (action !== "status") throw new UsageError(`unknown action "${action}"; only "status"`);
    const format = outputFormat(values.output, ["table", "json"]);
    const status = await api().revisions.rollout.query(revisionText === undefined ? {} : { revision: parseRevision(revisionText) });
    if (format === "json") return print(toJson({ revision: status.revision, applied: status.applied, total: status.total, pending: status.pending }));
    for (const line of describeRollout(status)) print(line);
  },
};
