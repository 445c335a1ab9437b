import { readFile } from "node:fs/promises";
import { parseDuration, parseResourcesYaml, ResourceValidationError, describeIssue } from "@mesh/shared";
import { outputFormat, outputOption, parseCommandArgs, requireFlag, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { describeChange, describeChangeDiff } from "../output/changes.ts";
import { toJson } from "../output/structured.ts";
import { describePending, describeRollout } from "../output/rollout.ts";
import { CliError, UsageError } from "../errors.ts";
import { waitForRollout } from "../wait-for-rollout.ts";

const DEFAULT_WAIT = "30s";

export const applyCommand: Command = {
  name: "apply",
  usage: "apply -f FILE|- [--dry-run] [--wait [--timeout 30s]] [-o json]",
  summary: "create or update resources from YAML (all or nothing); --dry-run prints the diff and changes nothing; --wait until every affected live agent has applied it",
  role: "editor",
  async run(argv, { api, print, readStdin }) {
    const { values, positionals } = parseCommandArgs(stdinDashes(argv), {
      file: { type: "string", short: "f" },
      "dry-run": { type: "boolean", default: false },
      wait: { type: "boolean", default: false },
      timeout: { type: "string" },
      ...outputOption,
    });
    const waitMs = waitTimeout(values.wait, values.timeout, values["dry-run"]);
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
    const rollout = waitMs !== null && result.revision !== null ? await waitForRollout(api(), result.revision, waitMs) : null;
    if (format === "json") print(toJson(rollout ? { ...result, rollout } : result));
    else {
      for (const warning of result.warnings) print(`warning: ${warning}`);
      for (const change of result.changes) {
        print(describeChange(change, dryRun));
        if (dryRun) for (const line of describeChangeDiff(change)) print(line);
      }
      if (dryRun) print("dry run: nothing was changed");
      else print(result.revision === null ? "no changes" : rollout ? describeRollout(rollout)[0]! : `revision ${result.revision}`);
    }
    if (rollout && rollout.pending.length > 0) {
      const count = `${rollout.pending.length} of ${rollout.total} affected agent${rollout.total === 1 ? "" : "s"} ${rollout.pending.length === 1 ? "has" : "have"}`;
      throw new CliError(`revision ${rollout.revision} was written, but ${count} not applied it within ${values.timeout ?? DEFAULT_WAIT}:\n${describePending(rollout)}`);
    }
  },
};

/** Milliseconds to wait for the rollout, or null without --wait. */
function waitTimeout(wait: boolean, timeout: string | undefined, dryRun: boolean): number | null {
  if (!wait) {
    if (timeout !== undefined) throw new UsageError("--timeout needs --wait");
    return null;
  }
  if (dryRun) throw new UsageError("--wait and --dry-run do not go together: a dry run writes no revision to wait for");
  try {
    return parseDuration(timeout ?? DEFAULT_WAIT);
  } catch (error) {
    throw new UsageError(`--timeout: ${(error as Error).message}`);
  }
}

/** DESIGN.md spells standard input `-f --`; parseArgs reads `--` as the end of flags. */
function stdinDashes(argv: string[]): string[] {
  return argv.map((arg, index) => (arg === "--" && (argv[index - 1] === "-f" || argv[index - 1] === "--file") ? "-" : arg));
}
