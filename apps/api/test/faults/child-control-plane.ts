import { startTsProcess, waitFor, type RunningProcess } from "@mesh/testkit";

export interface ChildControlPlane {
  url: string;
  adminToken: string;
  joinToken: string;
  process: RunningProcess;
  /** SIGKILL, no chance to clean up (its embedded PostgreSQL, if any, is left running as an orphan would be). */
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
      child.child.kill("SIGKILL");
      await child.exited;
    },
    stop: () => child.stop(15_000),
  };
}
