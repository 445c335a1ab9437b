// `pnpm bench`: runs each benchmark in turn (one module per item), prints one table and writes docs/BENCHMARKS.md.
// MESH_BENCH_PROFILE_DIR=<dir> also writes CPU profiles of the data-plane agents and the real agents there.
// For checking the benchmarks themselves (both switches make a partial or rougher run, so docs/BENCHMARKS.md is left
// alone and the report goes to the system's temp dir instead):
// - MESH_BENCH_ONLY=<sections>: only these sections, comma-separated, named by title in kebab case (data-plane,
//   propagation, ingestion, dashboard).
// - MESH_BENCH_QUICK=1: shorter measuring runs where a section supports it (data plane: 2 s wrk runs, 2 s open loop).
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../packages/testkit/src/processes.ts";
import { benchDashboard } from "./dashboard.ts";
import { benchDataPlane, DATA_PLANE_DEFAULTS, DATA_PLANE_QUICK } from "./data-plane.ts";
import { ingestionSection } from "./ingestion-section.ts";
import { describeMachine } from "./machine.ts";
import { benchPropagation } from "./propagation.ts";
import { formatTable, writeBenchmarks } from "./report.ts";
import { failedSection, type BenchSection } from "./section.ts";

const quick = process.env.MESH_BENCH_QUICK === "1";
const ALL_BENCHMARKS: { title: string; run: () => Promise<BenchSection> }[] = [
  { title: "Data plane", run: () => benchDataPlane({ ...DATA_PLANE_DEFAULTS, ...(quick ? DATA_PLANE_QUICK : {}), profileDir: process.env.MESH_BENCH_PROFILE_DIR }) },
  { title: "Propagation", run: () => benchPropagation() },
  { title: "Ingestion", run: () => ingestionSection() },
  { title: "Dashboard", run: () => benchDashboard() },
];
const kebab = (title: string) => title.toLowerCase().replaceAll(/\s+/g, "-");
const only = process.env.MESH_BENCH_ONLY?.split(",").map((name) => name.trim()).filter(Boolean);
const unknown = (only ?? []).filter((name) => !ALL_BENCHMARKS.some((b) => kebab(b.title) === name));
if (unknown.length > 0) throw new Error(`MESH_BENCH_ONLY: no section ${unknown.join(", ")} (there are ${ALL_BENCHMARKS.map((b) => kebab(b.title)).join(", ")})`);
const BENCHMARKS = only ? ALL_BENCHMARKS.filter((b) => only.includes(kebab(b.title))) : ALL_BENCHMARKS;

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
const output = only || quick ? path.join(os.tmpdir(), "mesh-BENCHMARKS.md") : path.join(REPO_ROOT, "docs/BENCHMARKS.md");
await writeBenchmarks(output, sections, machine, durationS);
console.log(formatTable(sections));
console.log(`\nWritten to ${path.relative(process.cwd(), output)} (${durationS.toFixed(0)} s).`);
const failed = sections.some((section) => section.figures.some((figure) => figure.value.startsWith("failed")));
// Keep-alive sockets of the API clients would otherwise hold the process open for a while.
process.exit(failed ? 1 : 0);
