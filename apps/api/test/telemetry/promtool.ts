import { spawnSync } from "node:child_process";

/** What `promtool check metrics` says about a Prometheus text exposition: "" when it is valid. */
export function promtoolProblems(exposition: string): string {
  const result = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  if (result.error) throw result.error;
  return `${result.stdout}${result.stderr}`.trim() + (result.status === 0 ? "" : `\n(exit code ${result.status})`);
}
