import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface MachineFacts {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  commit: string;
  /** 1-minute load average when the run started: other work on the machine takes CPU from what is measured. */
  loadAverage: number;
  /** Microseconds to touch a fresh 4 KiB page: machines of one size differ tenfold here, and so do their figures. */
  pageFaultMicros: number;
  tools: Record<string, string>;
}

/** What the figures were measured on, so a reader can compare them with their own machine. */
export async function describeMachine(): Promise<MachineFacts> {
  const cpus = os.cpus();
  const [commit, nginx, haproxy, wrk, postgres] = await Promise.all([
    firstLine("git", ["rev-parse", "--short", "HEAD"]),
    firstLine("nginx", ["-v"]),
    firstLine("haproxy", ["-v"]),
    firstLine("wrk", ["-v"]).then((line) => line.replace(/\s*Copyright.*$/, "")),
    firstLine("psql", ["-h", "127.0.0.1", "-U", "postgres", "-tAc", "SELECT version()"]),
  ]);
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    commit,
    loadAverage: os.loadavg()[0]!,
    pageFaultMicros: firstTouchMicrosPerPage(),
    tools: { nginx, haproxy, wrk, PostgreSQL: postgres.split(" on ")[0] ?? postgres },
  };
}

/** Touches 64 MiB of fresh memory once: the kernel (and a VM's host) hands out each page on first write. */
function firstTouchMicrosPerPage(): number {
  const bytes = 64 * 2 ** 20;
  const memory = Buffer.allocUnsafeSlow(bytes);
  const started = performance.now();
  for (let offset = 0; offset < bytes; offset += 4096) memory[offset] = 1;
  return ((performance.now() - started) * 1000) / (bytes / 4096);
}

/** The first line a tool prints about itself (some print to stderr, wrk exits non-zero for -v). */
async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, args, { timeout: 5_000 });
    return (stdout || stderr).trim().split("\n")[0] ?? "";
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const text = (stdout || stderr || "").trim();
    return text ? text.split("\n")[0]! : "not available";
  }
}
