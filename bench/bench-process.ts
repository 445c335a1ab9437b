import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT, type RunningProcess } from "../packages/testkit/src/processes.ts";

export interface BenchProcess extends RunningProcess {
  /** Writes one line to the process's stdin. */
  send(line: string): void;
}

/**
 * A TypeScript entry point of this repo run in its own Node process (tsx loaded in-process, so the pid is the
 * program's own) that takes lines on stdin and reports JSON lines prefixed with `prefix` on stdout.
 */
export function startBenchProcess<T>(entry: string, args: string[], prefix: string, onReport: (report: T) => void): BenchProcess {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, entry), ...args], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(prefix)) onReport(JSON.parse(line.slice(prefix.length)) as T);
      else output += `${line}\n`;
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
  child.stdin.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    send: (line) => void child.stdin.write(`${line}\n`),
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
