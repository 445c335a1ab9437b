import { readFile } from "node:fs/promises";
import { parseResourcesYaml, ResourceValidationError, describeIssue } from "@mesh/shared";
import { outputFormat, outputOption, parseCommandArgs, requireFlag, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { describeChange, describeChangeDiff } from "../output/changes.ts";
import { toJson } from "../output/structured.ts";
import { CliError } from "../errors.ts";

export const applyCommand: Command = {
  name: "apply",
  usage: "apply -f FILE|- [--dry-run] [-o json]",
  summary: "create or update resources from YAML (all or nothing); --dry-run prints the diff and changes nothing",
  role: "editor",
  async run(argv, { api, print, readStdin }) {
    const { values, positionals } = parseCommandArgs(stdinDashes(argv), {
      file: { type: "string", short: "f" },
      "dry-run": { type: "boolean", default: false },
      ...outputOption,
    });
    requirePositionals(positionals, []);
    const file = requireFlag(values.file, "-f FILE (or -f - for standard input)");
    const format = outputFormat(values.output, ["table", "json"]);
    const dryRun = values["dry-run"];
    const source = file === "-" ? "standard input" : file;
    const yaml = file === "-" ? await readStdin() : await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });

    // Checked here first so a typo is reported without a round trip; the control plane checks again.
    try {
      parseResourcesYaml(yaml);
    } catch (error) {
      if (!(error instanceof ResourceValidationError)) throw error;
      throw new CliError(`${source} is invalid, nothing was applied:\n  ${error.issues.map(describeIssue).join("\n  ")}`);
    }

    const result = await api().resources.applyDocuments.mutate({ yaml, dryRun });
    if (format === "json") return print(toJson(result));
    for (const warning of result.warnings) print(`warning: ${warning}`);
    for (const change of result.changes) {
      print(describeChange(change, dryRun));
      if (dryRun) for (const line of describeChangeDiff(change)) print(line);
    }
    if (dryRun) print("dry run: nothing was changed");
    else print(result.revision === null ? "no changes" : `revision ${result.revision}`);
  },
};

/** DESIGN.md spells standard input `-f --`; parseArgs reads `--` as the end of flags. */
function stdinDashes(argv: string[]): string[] {
  return argv.map((arg, index) => (arg === "--" && (argv[index - 1] === "-f" || argv[index - 1] === "--file") ? "-" : arg));
}
