// `pnpm bench`: runs each benchmark in turn (one module per item), prints one table and writes docs/BENCHMARKS.md.
// MESH_BENCH_PROFILE_DIR=<dir> also writes CPU profiles of the data-plane agents and the real agents there.
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../packages/testkit/src/processes.ts";
import { benchDashboard } from "./dashboard.ts";
import { benchDataPlane, DATA_PLANE_DEFAULTS } from "./data-plane.ts";
import { ingestionSection } from "./ingestion-section.ts";
import { describeMachine } from "./machine.ts";
import { benchPropagation } from "./propagation.ts";
import { formatTable, writeBenchmarks } from "./report.ts";
import { failedSection, type BenchSection } from "./section.ts";

const BENCHMARKS: { title: string; run: () => Promise<BenchSection> }[] = [
  { title: "Data plane", run: () => benchDataPlane({ ...DATA_PLANE_DEFAULTS, profileDir: process.env.MESH_BENCH_PROFILE_DIR }) },
  { title: "Propagation", run: () => benchPropagation() },
  { title: "Ingestion", run: () => ingestionSection() },
  { title: "Dashboard", run: () => benchDashboard() },
];

const startedAt = performance.now();
const machine = await describeMachine();
const sections: BenchSection[] = [];
for (const benchmark of BENCHMARKS) {
  const began = performance.now();
  process.stderr.write(`bench: ${benchmark.title}…\n`);
  const loadAtStart = os.loadavg()[0]!;
  const section = await benchmark.run().catch((error: unknown) => failedSection(benchmark.title, error));
  // Figures from a machine busy with other work are slower than the software: say how busy it was.
  section.notes = [...(section.notes ?? []), `Load average (1 min) at the start of this benchmark: ${loadAtStart.toFixed(1)} on ${machine.cores} cores.`];
  sections.push(section);
  process.stderr.write(`bench: ${benchmark.title} took ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
const durationS = (performance.now() - startedAt) / 1000;
const output = path.join(REPO_ROOT, "docs/BENCHMARKS.md");
await writeBenchmarks(output, sections, machine, durationS);
console.log(formatTable(sections));
console.log(`\nWritten to ${path.relative(process.cwd(), output)} (${durationS.toFixed(0)} s).`);
const failed = sections.some((section) => section.figures.some((figure) => figure.value.startsWith("failed")));
// Keep-alive sockets of the API clients would otherwise hold the process open for a while.
process.exit(failed ? 1 : 0);
