import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePorts } from "../../packages/testkit/src/ports.ts";
import { isAlive, REPO_ROOT } from "../../packages/testkit/src/processes.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";
import { webBuildIsStale } from "../../scripts/lib/web-build.ts";
import { adminTokenOf, pnpmStart, type PnpmStart } from "./pnpm-start.ts";
import { descendantsOf } from "./process-tree.ts";

// `pnpm start` runs its children in process groups of their own, so that a terminal's Ctrl-C reaches only the
// starter, which stops them in order. Killed outright, the starter used to leave them all running: the dashboard's
// next-server kept port 3000 and the next `pnpm start` refused to start.

const commandLineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "(gone)";
  }
};
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });

const dirs: string[] = [];
const newDataDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "mesh-e2e-killed-"));
  dirs.push(dir);
  return dir;
};
/** Whatever a failed test left running, so the next test and the next run find their ports free. */
let leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  leftovers = [];
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("pnpm start killed with SIGKILL", () => {
  it("takes everything it started with it: dashboard (next-server and its children), agents, apps, embedded PostgreSQL", async () => {
    const [apiPort, webPort] = (await freePorts(2)) as [number, number];
    const env = { DATABASE_URL: "", MESH_API_PORT: String(apiPort), MESH_WEB_PORT: String(webPort), MESH_DEMO_RATE: "2" };
    const start: PnpmStart = pnpmStart(["--data-dir", await newDataDir()], env);
    await adminTokenOf(start, "pnpm start to be up");

    const started = descendantsOf(start.child.pid!);
    leftovers = [start.child.pid!, ...started];
    const commands = new Map(started.map((pid) => [pid, commandLineOf(pid)]));
    // pnpm runs the script through `sh -c`: the starter is the node process under it.
    const starter = started.find((pid) => /^\S*node .*scripts\/start\.ts/.test(commands.get(pid)!));
    expect(starter, "the node process running scripts/start.ts").toBeDefined();
    expect([...commands.values()].some((command) => command.startsWith("next-server")), "a next-server among them").toBe(true);
    expect([...commands.values()].some((command) => /(^|\/)postgres /.test(command)), "the embedded PostgreSQL among them").toBe(true);
    expect([...commands.values()].filter((command) => command.includes("mesh-agent.mjs")).length).toBeGreaterThanOrEqual(7);

    process.kill(starter!, "SIGKILL");
    const killedAt = Date.now();
    // The reaper's grace period is 5 s; PostgreSQL's fast shutdown and next-server's exit are well inside 20 s.
    await waitFor(() => started.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, intervalMs: 100, what: "every process pnpm start started to be gone" }).catch(() => {
      const survivors = started.filter(isAlive).map((pid) => `${pid}: ${commands.get(pid)}`);
      throw new Error(`still running 20 s after SIGKILL of the starter:\n${survivors.join("\n")}`);
    });
    console.log(`${started.length} processes gone ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL of the starter`);
    expect(await portIsFree(webPort)).toBe(true);
    expect(await portIsFree(apiPort)).toBe(true);
  });
});

describe("pnpm start finding a port taken", () => {
  it("names a stale mesh process holding it, and `kill PID` as it says frees the port", async () => {
    if (webBuildIsStale(REPO_ROOT)) {
      const build = spawnSync(process.execPath, ["--import", "tsx", "scripts/build-web.ts"], { cwd: REPO_ROOT, stdio: "ignore", timeout: 240_000 });
      expect(build.status, "next build").toBe(0);
    }
    const [apiPort, webPort] = (await freePorts(2)) as [number, number];
    // A dashboard whose supervisor is gone, as the bug left it: started in the background by a shell that exits,
    // so init adopts it.
    const web = path.join(REPO_ROOT, "apps/web");
    const shell = spawn("sh", ["-c", `node_modules/.bin/next start -p ${webPort} >/dev/null 2>&1 & echo $!`], {
      cwd: web,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", MESH_API_URL: `http://127.0.0.1:${apiPort}` },
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    let printed = "";
    shell.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    await new Promise((resolve) => shell.once("exit", resolve));
    const stalePid = Number(printed.trim());
    leftovers = [stalePid];
    await waitFor(async () => !(await portIsFree(webPort)), { timeoutMs: 60_000, intervalMs: 200, what: "the stale dashboard to listen" });
    leftovers.push(...descendantsOf(stalePid));

    const start = pnpmStart(["--data-dir", await newDataDir(), "--no-demo"], { MESH_API_PORT: String(apiPort), MESH_WEB_PORT: String(webPort) });
    leftovers.push(start.child.pid!);
    await waitFor(() => start.child.exitCode !== null, { timeoutMs: 60_000, intervalMs: 100, what: `pnpm start to refuse the taken port\n${start.output()}` });
    const message = /port \d+ for the dashboard is .*/.exec(start.output())?.[0] ?? start.output();
    const named = /held by a stale mesh process \(pid (\d+): next-server \(v[\d.]+\)\) that outlived the pnpm start that started it; stop it with kill (\d+); to use another port, set MESH_WEB_PORT=PORT/.exec(message);
    expect(named, message).not.toBeNull();
    expect(named![1]).toBe(named![2]);
    const holder = Number(named![1]);
    expect([stalePid, ...descendantsOf(stalePid)]).toContain(holder);
    expect(commandLineOf(holder)).toMatch(/^next-server/);

    process.kill(holder, "SIGTERM");
    await waitFor(() => portIsFree(webPort), { timeoutMs: 20_000, intervalMs: 100, what: `port ${webPort} to be free after kill ${holder}` });
  });
});
