import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { waitFor } from "../packages/testkit/src/wait-for.ts";

export interface RunningHaproxy {
  stop(): Promise<void>;
}

/** HAProxy in the foreground, one thread (like nginx's one worker and the agent's one event loop), keep-alive both sides. */
export async function startHaproxy(workDir: string, port: number, appPort: number): Promise<RunningHaproxy> {
  const config = `
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend bench
  bind 127.0.0.1:${port}
  default_backend app
backend app
  http-reuse always
  server app 127.0.0.1:${appPort} maxconn 256
`;
  const file = path.join(workDir, "haproxy.cfg");
  await writeFile(file, config);
  const haproxy = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  haproxy.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => haproxy.once("exit", () => resolve()));
  const stop = async () => {
    if (haproxy.exitCode === null && haproxy.signalCode === null) haproxy.kill("SIGTERM");
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (haproxy.exitCode !== null) throw new Error(`haproxy exited with ${haproxy.exitCode}: ${errors}`);
        return (await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.ok;
      },
      { timeoutMs: 10_000, what: "haproxy to start" },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
