import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const SHUTDOWN_WAIT_MS = 30_000;

/**
 * A control plane killed outright (SIGKILL, OOM killer) leaves its embedded PostgreSQL running, holding the data dir,
 * and the next start on that dir fails. When the postmaster named in postmaster.pid still runs for `databaseDir` and
 * the control plane that started it (`ownerPid`) is gone, it is shut down (SIGINT: fast shutdown, committed data is
 * safe) so it can be started again. A postmaster whose owner still runs is left alone: one data dir, one control plane.
 */
export async function stopOrphanedPostgres(databaseDir: string, ownerPid: number | undefined): Promise<void> {
  const postmasterPid = await postmasterPidOf(databaseDir);
  if (!postmasterPid || !(await runsPostgresFor(postmasterPid, databaseDir))) return;
  if (ownerPid !== undefined && (await isRunning(ownerPid))) {
    throw new Error(`${databaseDir} is in use by the PostgreSQL (pid ${postmasterPid}) of a running control plane (pid ${ownerPid}); give each control plane its own data dir`);
  }
  process.kill(postmasterPid, "SIGINT");
  const deadline = Date.now() + SHUTDOWN_WAIT_MS;
  while (await isRunning(postmasterPid)) {
    if (Date.now() > deadline) throw new Error(`the orphaned PostgreSQL (pid ${postmasterPid}) on ${databaseDir} did not shut down within ${SHUTDOWN_WAIT_MS} ms`);
    await sleep(50);
  }
}

/** The postmaster's pid from <databaseDir>/postmaster.pid, or null when there is none. */
export async function postmasterPidOf(databaseDir: string): Promise<number | null> {
  return Number((await readFile(join(databaseDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0]) || null;
}

/** Resolves once the process has exited (polling: it may not be our child, or may have exited already). */
export async function untilExited(pid: number): Promise<void> {
  while (await isRunning(pid)) await sleep(50);
}

async function runsPostgresFor(pid: number, databaseDir: string): Promise<boolean> {
  const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return commandLine.split("\0").some((arg) => /(^|\/)postgres$/.test(arg)) && commandLine.split("\0").includes(databaseDir);
}

/** Alive and not a zombie waiting to be reaped (an orphan's parent may never reap it). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (stat === null) return false;
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}
