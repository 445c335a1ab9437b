import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startTsProcess, waitFor, type RunningProcess } from "@mesh/testkit";

const exec = promisify(execFile);

export interface ChildControlPlane {
  url: string;
  adminToken: string;
  joinToken: string;
  process: RunningProcess;
  /** SIGKILL, no chance to clean up: the control plane process itself, not only the tsx launcher in front of it. */
  kill(): Promise<void>;
  /** SIGTERM: a clean close. */
  stop(): Promise<void>;
}

/** A control plane in its own process (control-plane-process.ts), ready to serve. */
export async function startChildControlPlane(env: Record<string, string>): Promise<ChildControlPlane> {
  const child = startTsProcess("apps/api/test/faults/control-plane-process.ts", [], env);
  const ready = await waitFor(() => /^ready (.*)$/m.exec(child.output())?.[1] ?? (child.child.exitCode !== null ? Promise.reject(new Error(child.output())) : null), {
    timeoutMs: 60_000,
    what: "the control plane process to be ready",
  });
  const { url, adminToken, joinToken } = JSON.parse(ready) as { url: string; adminToken: string; joinToken: string };
  return {
    url,
    adminToken,
    joinToken,
    process: child,
    async kill() {
      // tsx runs the script in a child node process and cannot relay a SIGKILL to it: kill that one first.
      const node = await childrenOf(child.child.pid!);
      for (const pid of node) process.kill(pid, "SIGKILL");
      child.child.kill("SIGKILL");
      await child.exited;
      await waitFor(async () => (await Promise.all(node.map(isRunning))).every((running) => !running), { what: "the control plane process to die" });
    },
    stop: () => child.stop(15_000),
  };
}

async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await exec("ps", ["-o", "pid=", "--ppid", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout.split("\n").map((line) => Number(line.trim())).filter((n) => n > 0);
}

async function isRunning(pid: number): Promise<boolean> {
  const { stdout } = await exec("ps", ["-o", "stat=", "-p", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout.trim() !== "" && !stdout.trim().startsWith("Z");
}
