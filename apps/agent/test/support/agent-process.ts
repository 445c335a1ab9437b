import { readFile } from "node:fs/promises";
import type { ServiceInstance } from "../integration/harness.ts";

/**
 * The pid of the agent's node process itself. The harness starts agents through the tsx CLI, which
 * runs the script in a child process: signals like SIGKILL and /proc readings must target that child.
 */
export async function agentPid(instance: ServiceInstance): Promise<number> {
  const wrapper = instance.agent.child.pid!;
  const children = (await readFile(`/proc/${wrapper}/task/${wrapper}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected tsx (pid ${wrapper}) to run exactly one agent process, found [${children.join(", ")}]`);
  return Number(children[0]);
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}
