import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

const exec = promisify(execFile);
/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export interface MemoryUse {
  /** Peak resident set size (VmHWM). */
  peakRssBytes: number;
  /** Resident pages mapped from files now (RssFile): for Node, mostly its executable, shared by every Node process. */
  fileBackedBytes: number;
}

/** From /proc/<pid>/status. */
export async function memoryUse(pid: number): Promise<MemoryUse> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { peakRssBytes: kib("VmHWM"), fileBackedBytes: kib("RssFile") };
}

/**
 * The process listening on a TCP port of this machine. Found by port rather than by the pid we spawned, because
 * tsx runs the program in a child process of its own.
 */
export async function pidListeningOn(port: number): Promise<number> {
  const { stdout } = await exec("ss", ["-Hltnp", `sport = :${port}`]);
  const pid = /pid=(\d+)/.exec(stdout);
  if (!pid) throw new Error(`no process is listening on port ${port}`);
  return Number(pid[1]);
}

/** The processes whose parent is `pid` (e.g. nginx's workers under its master), from the ppid field of /proc/<pid>/stat. */
export async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    // After the command name: state, then ppid.
    if (stat && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
  }
  return children;
}
