import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100;

interface ProcessStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
}

/** /proc/<pid>/stat: the fields after the parenthesised command are state, ppid, …, utime (14th), stime (15th). */
function readStat(pid: string): ProcessStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid: Number(pid), ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) used so far by the living descendants of `rootPid` (the browser and `next start` a test
 * launched). Unlike wall time it does not grow while processes wait for a core on a shared machine.
 */
export function descendantCpuMs(rootPid = process.pid): number {
  const stats = readdirSync("/proc").flatMap((entry) => (/^\d+$/.test(entry) ? [readStat(entry)] : [])).filter((s): s is ProcessStat => s !== null);
  const children = new Map<number, ProcessStat[]>();
  for (const stat of stats) (children.get(stat.ppid) ?? children.set(stat.ppid, []).get(stat.ppid)!).push(stat);
  let ticks = 0;
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      ticks += child.cpuTicks;
      visit(child.pid);
    }
  };
  visit(rootPid);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
