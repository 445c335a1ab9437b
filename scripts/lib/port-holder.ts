import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";

/** A process listening on a TCP port, found through /proc (Linux; as root, or as the user who owns it). */
export interface PortHolder {
  pid: number;
  /** Its command line ("next-server (v16…)", "node --import tsx apps/api/src/cli/main.ts server"), with this checkout's paths relative. */
  command: string;
  /** Started from this checkout: its command line or working directory lies in it. */
  meshProcess: boolean;
  /** The `pnpm start` (scripts/start.ts) it runs under, when that is still running. */
  runningStart: number | null;
  /** Its process group lost the parent that started it (init adopted them): what a killed supervisor leaves. */
  orphaned: boolean;
}

/** The processes listening on `port` (IPv4 or IPv6, any address), empty when none can be seen. */
export function portHolders(port: number, repoRoot: string): PortHolder[] {
  const inodes = listeningSocketInodes(port);
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const pid of allPids()) {
    if (holdsSocket(pid, inodes)) holders.push(describe(pid, repoRoot));
  }
  return holders;
}

/** How `pnpm start` says who holds a port it needs, or null when it cannot tell. */
export function explainPortHolders(holders: PortHolder[]): string | null {
  const [holder] = holders;
  if (!holder) return null;
  const pids = holders.map((h) => h.pid).join(" ");
  const who = `pid ${holders.map((h) => h.pid).join(", ")}: ${holder.command}`;
  if (holder.runningStart !== null) return `held by a running pnpm start (pid ${holder.runningStart}); stop it with Ctrl-C in its terminal, or kill ${holder.runningStart}`;
  if (holder.meshProcess && holder.orphaned) return `held by a stale mesh process (${who}) that outlived the pnpm start that started it; stop it with kill ${pids}`;
  if (holder.meshProcess) return `held by a mesh process of this checkout (${who}) started outside pnpm start; stop it with kill ${pids} if it is a leftover`;
  return `held by another program (${who})`;
}

function listeningSocketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"; st 0A is LISTEN.
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      if (state === "0A" && local && Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port && inode) inodes.add(inode);
    }
  }
  return inodes;
}

function allPids(): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number);
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith("socket:[") && inodes.has(target.slice(8, -1))) return true;
    } catch {
      // Closed while we looked.
    }
  }
  return false;
}

function describe(pid: number, repoRoot: string): PortHolder {
  const args = commandLine(pid);
  const relative = (arg: string) => (arg.startsWith(`${repoRoot}${path.sep}`) ? path.relative(repoRoot, arg) : arg);
  // The command line, which a process may rewrite (next-server does: "next-server (v16…)").
  const command = args.map(relative).join(" ").slice(0, 120) || readOr(`/proc/${pid}/comm`, "?").trim();
  return { pid, command, meshProcess: isMeshProcess(pid, repoRoot), runningStart: startAbove(pid), orphaned: parentOfGroupTop(pid) === 1 };
}

function isMeshProcess(pid: number, repoRoot: string): boolean {
  const inRepo = (file: string) => file === repoRoot || file.startsWith(`${repoRoot}${path.sep}`);
  return inRepo(readLinkOr(`/proc/${pid}/cwd`, "")) || commandLine(pid).some(inRepo);
}

/**
 * The parent of the outermost process of `pid`'s process group (next-server under `next start`, in the group its
 * supervisor made for it): 1 when that supervisor is gone and init adopted them.
 */
function parentOfGroupTop(pid: number): number | null {
  const group = statOf(pid)?.pgrp;
  let parent = statOf(pid)?.ppid ?? null;
  while (parent !== null && parent > 1 && statOf(parent)?.pgrp === group) parent = statOf(parent)?.ppid ?? null;
  return parent;
}

/** The nearest ancestor running scripts/start.ts, if any. */
function startAbove(pid: number): number | null {
  for (let current = parentOf(pid); current !== null && current > 1; current = parentOf(current)) {
    if (commandLine(current).some((arg) => arg.endsWith(`scripts${path.sep}start.ts`))) return current;
  }
  return null;
}

function parentOf(pid: number): number | null {
  return statOf(pid)?.ppid ?? null;
}

function statOf(pid: number): { ppid: number; pgrp: number } | null {
  const stat = readOr(`/proc/${pid}/stat`, "");
  if (!stat) return null;
  // "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses.
  const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(ppid), pgrp: Number(pgrp) };
}

function commandLine(pid: number): string[] {
  return readOr(`/proc/${pid}/cmdline`, "").split("\0").filter(Boolean);
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function readLinkOr(link: string, fallback: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return fallback;
  }
}
