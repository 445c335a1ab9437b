import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { isAlive, waitFor } from "@mesh/testkit";
import { startEmbeddedPostgres } from "../../src/db/embedded.ts";
import { postmasterPidOf } from "../../src/db/orphaned-postgres.ts";

let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});


// A terminal's Ctrl-C reaches PostgreSQL too (it shares the process group of `pnpm start`), often long before the
// control plane gets to stopping it.
it("stop() returns when PostgreSQL was already stopped by a signal of its own", async () => {
  dataDir = await mkdtemp(join(tmpdir(), "mesh-embedded-stop-"));
  const database = await startEmbeddedPostgres(dataDir);
  const postmaster = (await postmasterPidOf(join(dataDir, "postgres")))!;
  expect(isAlive(postmaster)).toBe(true);
  process.kill(postmaster, "SIGINT");
  await waitFor(() => !isAlive(postmaster), { timeoutMs: 30_000, what: "PostgreSQL to shut down on SIGINT" });
  await database.stop();
}, 120_000);
