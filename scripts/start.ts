// `pnpm start`: the control plane, the dashboard and the bookinfo demo mesh with live traffic.
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ControlPlane } from "../apps/api/src/server.ts";
import { createApiClient } from "../apps/api/src/cli/api-client.ts";
import { onShutdownSignal } from "../apps/api/src/cli/shutdown-signals.ts";
import { postmasterPidOf } from "../apps/api/src/db/orphaned-postgres.ts";
import { startBookinfo, type Bookinfo } from "../examples/bookinfo/launch.ts";
import { waitFor } from "../packages/testkit/src/wait-for.ts";
import { REPO_ROOT, startManagedProcess, type ManagedProcess } from "./lib/managed-process.ts";
import { explainPortHolders, portHolders } from "./lib/port-holder.ts";
import { reapWithSupervisor, type ReapGuard } from "./lib/reap-with-supervisor.ts";
import { webBuildIsStale } from "./lib/web-build.ts";

const USAGE = `usage: pnpm start [--data-dir DIR] [--no-demo] [--control-plane-only] [--rate N] [--verbose]
env: DATABASE_URL (else embedded PostgreSQL in the data dir), MESH_DATA_DIR (.mesh), MESH_API_PORT (4000),
     MESH_WEB_PORT (3000), MESH_DEMO_RATE (5 req/s), MESH_ADMIN_TOKEN, MESH_JOIN_TOKEN`;

interface StartOptions {
  dataDir: string;
  demo: boolean;
  web: boolean;
  rate: number;
  apiPort: number;
  webPort: number;
  verbose: boolean;
}

function readOptions(): StartOptions {
  const { values } = parseStartArgs();
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const controlPlaneOnly = values["control-plane-only"];
  return {
    dataDir: path.resolve(values["data-dir"] ?? process.env.MESH_DATA_DIR ?? path.join(REPO_ROOT, ".mesh")),
    demo: !controlPlaneOnly && !values["no-demo"],
    web: !controlPlaneOnly,
    rate: numberSetting("--rate / MESH_DEMO_RATE", values.rate ?? process.env.MESH_DEMO_RATE, 5),
    apiPort: numberSetting("MESH_API_PORT", process.env.MESH_API_PORT, 4000),
    webPort: numberSetting("MESH_WEB_PORT", process.env.MESH_WEB_PORT, 3000),
    verbose: values.verbose,
  };
}

function parseStartArgs() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        "data-dir": { type: "string" },
        "no-demo": { type: "boolean", default: false },
        "control-plane-only": { type: "boolean", default: false },
        rate: { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
}

function numberSetting(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got "${text}")`);
  return value;
}

const startedAt = Date.now();
function ready(component: string, detail: string): void {
  console.log(`✓ ${component.padEnd(14)} ${detail}  (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
}

/** Everything started so far, stopped in reverse order. */
const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];

let shuttingDown: Promise<never> | undefined;

function shutdown(exitCode: number): Promise<never> {
  shuttingDown ??= (async () => {
    if (stoppers.length > 0) {
      console.log("stopping…");
      for (const { name, stop } of stoppers.reverse()) {
        await stop().catch((error: Error) => console.error(`  ${name} did not stop cleanly: ${error.message}`));
      }
      console.log("stopped");
    }
    process.exit(exitCode);
  })();
  return shuttingDown;
}

async function main(): Promise<void> {
  const options = readOptions();
  await assertPortFree(options.apiPort, "the control plane", "MESH_API_PORT");
  if (options.web) await assertPortFree(options.webPort, "the dashboard", "MESH_WEB_PORT");
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const logDir = path.join(options.dataDir, "logs");
  console.log(`mesh: data in ${options.dataDir}, logs in ${logDir}`);

  const { startControlPlane } = await import("../apps/api/src/server.ts");
  const starting = startControlPlane({ port: options.apiPort, dataDir: options.dataDir, databaseUrl: process.env.DATABASE_URL || undefined, log: options.verbose });
  let postgresGuard: ReapGuard | undefined;
  // Registered before it is up: a Ctrl-C while the embedded PostgreSQL boots must still stop it.
  stoppers.push({ name: "control plane", stop: () => starting.then((controlPlane) => controlPlane.close(), () => undefined).then(() => postgresGuard?.release()) });
  const controlPlane = await starting;
  if (!process.env.DATABASE_URL) postgresGuard = await guardEmbeddedPostgres(options.dataDir);
  ready("control plane", `${controlPlane.url}${process.env.DATABASE_URL ? "" : " (embedded PostgreSQL in the data dir)"}`);

  const web = options.web ? startDashboard(options, controlPlane, logDir) : Promise.resolve(null);
  const demo = options.demo ? startDemo(options, controlPlane) : Promise.resolve(null);
  const [dashboardUrl] = await Promise.all([web, demo]);

  console.log("");
  if (dashboardUrl) console.log(`Dashboard:    ${dashboardUrl}   (sign in with the admin token)`);
  console.log(`Admin token:  ${controlPlane.adminToken}`);
  console.log(`CLI:          export MESH_API_URL=${controlPlane.url} MESH_TOKEN=${controlPlane.adminToken}; pnpm mesh status`);
  console.log("Ctrl-C stops everything.");
}

async function startDemo(options: StartOptions, controlPlane: ControlPlane): Promise<Bookinfo> {
  const api = createApiClient(controlPlane.url, controlPlane.adminToken);
  const revisions = await api.revisions.list.query();
  if (revisions.length === 0) {
    const yaml = await readFile(path.join(REPO_ROOT, "examples/bookinfo/mesh.yaml"), "utf8");
    const applied = await api.resources.applyDocuments.mutate({ yaml });
    ready("demo config", `examples/bookinfo/mesh.yaml applied as revision ${applied.revision}`);
  }
  const bookinfo = await startBookinfo({ controlPlaneUrl: controlPlane.url, adminToken: controlPlane.adminToken, dataDir: options.dataDir, rate: options.rate });
  stoppers.push({ name: "demo mesh", stop: () => bookinfo.stop() });
  ready("demo mesh", `${bookinfo.instances.length} apps behind agents, ${options.rate} req/s to productpage`);
  return bookinfo;
}

/** The dashboard's production build (rebuilt when older than its sources), served by `next start`. */
async function startDashboard(options: StartOptions, controlPlane: ControlPlane, logDir: string): Promise<string | null> {
  const web = path.join(REPO_ROOT, "apps/web");
  const next = path.join(web, "node_modules/.bin/next");
  const env = { MESH_API_URL: controlPlane.url, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
  if (webBuildIsStale(REPO_ROOT)) {
    console.log("  building the dashboard (next build, about 30 s the first time)…");
    const build = track(startManagedProcess({ name: "dashboard build", command: next, args: ["build"], cwd: web, env, logFile: path.join(logDir, "web-build.log") }));
    const code = await build.exited;
    if (code !== 0) {
      console.error(`✗ dashboard      next build failed (exit ${code}); see ${build.logFile}:\n${build.logTail(15)}`);
      return null;
    }
  }
  const server = track(
    startManagedProcess({ name: "dashboard", command: next, args: ["start", "-p", String(options.webPort)], cwd: web, env, logFile: path.join(logDir, "web.log") }),
  );
  const url = `http://localhost:${options.webPort}`;
  let exited = false;
  void server.exited.then(() => (exited = true));
  await waitFor(async () => exited || (await fetch(`http://127.0.0.1:${options.webPort}/login`, { signal: AbortSignal.timeout(3000) })).status < 500, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: "the dashboard",
  });
  if (exited) {
    console.error(`✗ dashboard      next start exited; see ${server.logFile}:\n${server.logTail(15)}`);
    return null;
  }
  ready("dashboard", url);
  return url;
}

/**
 * The embedded PostgreSQL runs as a child of this process: if this process is killed outright, it is stopped too
 * (SIGINT, its fast shutdown) rather than left holding the data dir.
 */
async function guardEmbeddedPostgres(dataDir: string): Promise<ReapGuard | undefined> {
  const postmaster = await postmasterPidOf(path.join(dataDir, "postgres"));
  return postmaster ? reapWithSupervisor("process", postmaster, "SIGINT") : undefined;
}

async function assertPortFree(port: number, component: string, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
  if (free) return;
  const explanation = explainPortHolders(portHolders(port, REPO_ROOT)) ?? "already in use (another pnpm start?)";
  throw new Error(`port ${port} for ${component} is ${explanation}; to use another port, set ${variable}=PORT`);
}

function track(child: ManagedProcess): ManagedProcess {
  stoppers.push({ name: child.name, stop: () => child.stop() });
  return child;
}

onShutdownSignal(() => void shutdown(0));

main().catch((error: Error) => {
  console.error(`✗ ${error.message}`);
  void shutdown(1);
});
