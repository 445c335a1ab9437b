import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REAPER_ENTRY = path.join(HERE, "orphan-reaper.mjs");
const GRACE_MS = 5000;

export interface ReapGuard {
  /** The supervisor has stopped the target itself: the reaper forgets it. */
  release(): void;
}

let reaper: ChildProcess | null = null;

/**
 * Makes sure `target` ends when this process does, however it ends: SIGKILL included, which no handler of ours
 * sees. A reaper process, started on first use in a process group of its own, holds the read end of a pipe from
 * this process; at end of file it sends `signal` to every target still guarded (a whole process group for
 * `group`, so grandchildren go too), then SIGKILL after a grace period.
 */
export function reapWithSupervisor(kind: "group" | "process", id: number, signal: NodeJS.Signals = "SIGTERM"): ReapGuard {
  tell(`+${kind} ${id} ${signal}`);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      tell(`-${kind} ${id}`);
    },
  };
}

function tell(line: string): void {
  reaper ??= startReaper();
  reaper.stdin!.write(`${line}\n`);
}

function startReaper(): ChildProcess {
  const child = spawn(process.execPath, [REAPER_ENTRY, String(GRACE_MS)], {
    cwd: "/",
    detached: true,
    stdio: ["pipe", "ignore", "inherit"],
  });
  // Neither the reaper nor its pipe keeps this process running; the pipe closes when this process ends.
  child.unref();
  (child.stdin as Socket).unref();
  child.stdin!.on("error", () => {});
  child.on("error", (error) => console.error(`the orphan reaper did not start (${error.message}): children will outlive a killed supervisor`));
  return child;
}
