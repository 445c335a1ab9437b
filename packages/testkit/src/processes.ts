import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// Node with tsx's loader, not the tsx CLI: the CLI runs the program in a second process, so a
// signal sent to the child we hold (SIGKILL above all) would miss the program itself.
const TSX_LOADER = ["--import", "tsx"];

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript entry point of this repo (e.g. "apps/agent/src/main.ts") as a real process;
 * with `netns`, inside that network namespace (`ip netns exec` execs in place, so signals reach it).
 */
export function startTsProcess(entry: string, args: string[], env: Record<string, string | undefined> = {}, { netns }: { netns?: string } = {}): RunningProcess {
  return startNodeProcess([...TSX_LOADER, path.join(REPO_ROOT, entry), ...args], env, { netns });
}

/** Runs node with these arguments (flags, a script, its arguments) as a real process, as startTsProcess does. */
export function startNodeProcess(nodeArgs: string[], env: Record<string, string | undefined> = {}, { netns }: { netns?: string } = {}): RunningProcess {
  const nodeCommand = [process.execPath, ...nodeArgs];
  const [command, ...commandArgs] = netns ? ["ip", "netns", "exec", netns, ...nodeCommand] : nodeCommand;
  const child = spawn(command!, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 1_000_000) output = output.slice(-500_000);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether a process runs: a zombie still answers signal 0, but it is gone for every purpose that matters here. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}
