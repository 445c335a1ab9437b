import { writeFile } from "node:fs/promises";
import type { MachineFacts } from "./machine.ts";
import type { BenchSection, Figure } from "./section.ts";

const VERDICT = { met: "met", missed: "MISSED", none: "" };

function verdictOf(figure: Figure): string {
  if (figure.met === undefined) return VERDICT.none;
  return figure.met ? VERDICT.met : VERDICT.missed;
}

/** The figures of every section as one plain-text table, for the terminal. */
export function formatTable(sections: BenchSection[]): string {
  const header = ["benchmark", "metric", "value", "target", "verdict"];
  const rows = sections.flatMap((section) => section.figures.map((f) => [section.title, f.metric, f.value, f.target ?? "", verdictOf(f)]));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const body: string[] = [];
  let previous = "";
  for (const row of rows) {
    // The section name only on its first row keeps the table readable.
    body.push(line([row[0] === previous ? "" : row[0]!, ...row.slice(1)]));
    previous = row[0]!;
  }
  return [line(header), rule, ...body].join("\n");
}

export function formatMachine(machine: MachineFacts): string[] {
  return [
    `- Date: ${machine.date}`,
    `- CPU: ${machine.cpu}, ${machine.cores} cores (shared by the load generators and everything measured)`,
    `- Memory: ${machine.memoryGiB} GiB; first touch of a page ${machine.pageFaultMicros.toFixed(1)} µs (a VM whose host maps memory lazily is slower at everything that allocates)`,
    `- OS: ${machine.os}`,
    `- Node: ${machine.node}`,
    `- Commit: ${machine.commit}`,
    `- Load average (1 min) when the run started: ${machine.loadAverage.toFixed(1)} on ${machine.cores} cores`,
    ...Object.entries(machine.tools).map(([tool, version]) => `- ${tool}: ${version}`),
  ];
}

const escapeCell = (text: string) => text.replaceAll("|", "\\|");

/** docs/BENCHMARKS.md: how to run, the machine, the figures of this run and how each was measured. */
export function benchmarksMarkdown(sections: BenchSection[], machine: MachineFacts, durationS: number): string {
  const out: string[] = [
    "# Benchmarks",
    "",
    "Written by `pnpm bench` (bench/run.ts) from one run; run it again to refresh this file. Each benchmark starts what it",
    "needs (fresh databases on the machine's PostgreSQL, control planes, agents, nginx, HAProxy, `next start`, Chromium)",
    "and stops it when done; `MESH_BENCH_PROFILE_DIR=<dir>` also writes CPU profiles of the data-plane agents and the real agents.",
    "Every figure below comes from that run on the machine described; the verdict column compares it with the",
    "project's target and says MISSED when a target is not reached.",
    "",
    "## Machine",
    "",
    ...formatMachine(machine),
    `- Whole run: ${durationS.toFixed(0)} s`,
    "",
    "## Summary",
    "",
    "| benchmark | metric | value | target | verdict |",
    "| --- | --- | --- | --- | --- |",
    ...sections.flatMap((section) =>
      section.figures.map((f) => `| ${[section.title, f.metric, f.value, f.target ?? "", verdictOf(f)].map(escapeCell).join(" | ")} |`),
    ),
  ];
  for (const section of sections) {
    out.push("", `## ${section.title}`, "");
    if (section.method.length) out.push("### Method", "", ...section.method, "");
    out.push("### Figures", "", "| metric | value | target | verdict |", "| --- | --- | --- | --- |");
    for (const f of section.figures) out.push(`| ${[f.metric, f.value, f.target ?? "", verdictOf(f)].map(escapeCell).join(" | ")} |`);
    // One paragraph per note.
    for (const note of section.notes ?? []) out.push("", note);
  }
  return `${out.join("\n")}\n`;
}

export async function writeBenchmarks(path: string, sections: BenchSection[], machine: MachineFacts, durationS: number): Promise<void> {
  await writeFile(path, benchmarksMarkdown(sections, machine, durationS));
}
