import { spawn, type ChildProcess } from "node:child_process";
import { REPO_ROOT } from "../../packages/testkit/src/processes.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";

export interface PnpmStart {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/** `pnpm start` as a person runs it in a terminal: its own process group, output collected. */
export function pnpmStart(args: string[], env: Record<string, string>): PnpmStart {
  const child = spawn("pnpm", ["start", ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The admin token `pnpm start` prints once everything is up; fails at once, with its output, if it exits first. */
export function adminTokenOf(run: PnpmStart, what: string): Promise<string> {
  return waitFor(
    () => {
      if (run.child.exitCode !== null || run.child.signalCode !== null) throw new StartExited(run.output());
      return /Admin token: +(mesh_op_\S+)/.exec(run.output())?.[1];
    },
    { timeoutMs: 240_000, intervalMs: 250, what },
  ).catch((error: Error) => {
    throw error instanceof StartExited ? new Error(`pnpm start exited early:\n${error.message}`) : new Error(`${error.message}\n--- output ---\n${run.output()}`);
  });
}

class StartExited extends Error {}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
export function pressCtrlC(child: ChildProcess): void {
  process.kill(-child.pid!, "SIGINT");
}
