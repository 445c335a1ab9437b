import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, REPO_ROOT, waitFor, type RunningProcess } from "@mesh/testkit";
import { webBuildIsStale } from "../../../../scripts/lib/web-build.ts";

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NEXT_BIN = path.join(WEB_DIR, "node_modules/.bin/next");

const BUILD_ATTEMPTS = 30;

/**
 * `next build`, only when there is no build or a source is newer than it (builds take ~20 s and ~1 GB).
 * `pnpm start` builds the same app; when its build holds Next's lock, wait for it and use its result.
 */
export async function buildIfStale(): Promise<void> {
  for (let attempt = 1; webBuildIsStale(REPO_ROOT); attempt++) {
    const result = spawnSync(NEXT_BIN, ["build"], {
      cwd: WEB_DIR,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status === 0) return;
    const output = `${result.stdout}\n${result.stderr}`;
    if (!output.includes("Another next build process is already running") || attempt >= BUILD_ATTEMPTS) throw new Error(`next build failed:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

/** `next start` on a free port, forwarding /trpc to `apiUrl`. */
export async function startNext(apiUrl: string): Promise<{ url: string; process: RunningProcess }> {
  const port = await freePort();
  const child = spawn(NEXT_BIN, ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: WEB_DIR,
    env: { ...process.env, MESH_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const running: RunningProcess = {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`next start exited: ${output}`);
      return (await fetch(`${url}/login`)).ok;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `next start on ${url}` },
  );
  return { url, process: running };
}
