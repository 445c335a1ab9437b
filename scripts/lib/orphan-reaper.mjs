// @ts-check
// The orphan reaper: one per supervising process (see reap-with-supervisor.ts), in a process group of its own.
// Plain JavaScript run by node itself, so it starts fast and small (no TypeScript loader); type-checked by tsc
// (checkJs, through the root tsconfig.json).
//
// Its stdin is a pipe from the supervisor, which writes one line per change:
//   "+group PGID SIGNAL"   a child's process group to stop if the supervisor dies (SIGNAL first, SIGKILL after grace)
//   "+process PID SIGNAL"  the same for a single process that is not a group leader (e.g. PostgreSQL's postmaster)
//   "-group PGID", "-process PID"   stopped by the supervisor itself: nothing left to do
// The pipe reaches end of file when the supervisor has exited in any way — returned, crashed, or SIGKILLed (the
// kernel closes its descriptors) — and then every target still listed is stopped before the reaper exits.
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const GRACE_MS = Number(process.argv[2] ?? 5000);
const POLL_MS = 50;

/** @typedef {"group" | "process"} Kind */
/** @typedef {{ kind: Kind, id: number, signal: NodeJS.Signals }} Target */

/** @type {Map<string, Target>} */
const targets = new Map();

let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (/** @type {string} */ chunk) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) apply(line);
});
process.stdin.once("end", () => void reapAll().finally(() => process.exit(0)));

/** @param {string} line */
function apply(line) {
  const match = /^([+-])(group|process) (\d+)(?: (SIG[A-Z0-9]+))?$/.exec(line.trim());
  if (!match) return;
  const [, change, kindText, idText, signal] = match;
  const kind = /** @type {Kind} */ (kindText);
  const id = Number(idText);
  if (id <= 1) return;
  const key = `${kind} ${id}`;
  if (change === "-") targets.delete(key);
  else targets.set(key, { kind, id, signal: /** @type {NodeJS.Signals} */ (signal ?? "SIGTERM") });
}

async function reapAll() {
  const all = [...targets.values()];
  for (const target of all) send(target, target.signal);
  const deadline = Date.now() + GRACE_MS;
  let alive = all.filter(stillRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    alive = alive.filter(stillRunning);
  }
  // A group's leader may have gone while members it started linger: they go too.
  for (const target of all) send(target, "SIGKILL");
}

/** @param {Target} target @param {NodeJS.Signals} signal */
function send(target, signal) {
  try {
    process.kill(target.kind === "group" ? -target.id : target.id, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Whether the process, or any member of the group, still runs (zombies waiting to be reaped do not count).
 * @param {Target} target
 */
function stillRunning(target) {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (target.kind === "process" && Number(entry) !== target.id) continue;
    try {
      // "/proc/<pid>/stat": "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z" && (target.kind === "process" || Number(pgrp) === target.id)) return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}
