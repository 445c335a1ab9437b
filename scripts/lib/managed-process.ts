import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../packages/testkit/src/processes.ts";
import { reapWithSupervisor } from "./reap-with-supervisor.ts";

export { REPO_ROOT };

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM to its whole process group, SIGKILL after graceMs; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines it printed, to explain a failure. */
  logTail(lines?: number): string;
}

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
}

const running = new Set<ManagedProcess>();

// Last resort when the parent exits without stopping its children (an exception, process.exit).
process.once("exit", () => {
  for (const child of running) killGroup(child.pid, "SIGKILL");
});

/**
 * Starts a child in its own process group (so a terminal's Ctrl-C reaches only the parent, which
 * stops children in order) with its output appended to logFile. The group ends with this process
 * however it ends, a SIGKILL included (reap-with-supervisor.ts).
 */
export function startManagedProcess(options: ManagedProcessOptions): ManagedProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, "a");
  const child = spawn(options.command, options.args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  const pid = child.pid;
  // Its own process group keeps a Ctrl-C from reaching it directly, so it could outlive a supervisor that is killed.
  const reapGuard = reapWithSupervisor("group", pid);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const managed: ManagedProcess = {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    async stop(graceMs = 5000) {
      killGroup(pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Whatever the leader started and left behind goes with it.
      killGroup(pid, "SIGKILL");
      reapGuard.release();
      running.delete(managed);
    },
    logTail(lines = 20) {
      try {
        return readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
  };
  running.add(managed);
  return managed;
}

/** Runs a TypeScript entry of this repo with tsx's loader, in a single node process. */
export function startTsEntry(options: Omit<ManagedProcessOptions, "command" | "args"> & { entry: string; args?: string[] }): ManagedProcess {
  return startManagedProcess({
    ...options,
    command: process.execPath,
    args: ["--import", "tsx", path.resolve(REPO_ROOT, options.entry), ...(options.args ?? [])],
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
