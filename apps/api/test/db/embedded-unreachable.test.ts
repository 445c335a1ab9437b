import { chmod, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failIfUnavailable, skipOutsideCi } from "@mesh/testkit";
import { startEmbeddedPostgres } from "../../src/db/embedded.ts";

// As root, initdb and postgres run as the user "postgres", which must enter every directory above the data
// directory: root's home is 0700, and a data dir inside it used to fail half-way through initdb.
const SUITE = "embedded PostgreSQL as root with a 0700 directory above the data dir";
const unavailable = process.getuid?.() === 0 ? null : "needs root (PostgreSQL runs as the user postgres only when started by root)";

let parent: string | undefined;
afterAll(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
});

describe.skipIf(skipOutsideCi(unavailable, SUITE))(SUITE, () => {
  beforeAll(() => failIfUnavailable(unavailable, SUITE));

  it("refuses before initdb, naming the directory and what to do; starts once the postgres user can pass", async () => {
    parent = await mkdtemp(join(tmpdir(), "mesh-private-home-"));
    await chmod(parent, 0o700);
    const dataDir = join(parent, "mesh-data");
    await mkdir(dataDir);

    const refusal = await startEmbeddedPostgres(dataDir).then(
      (database) => database.stop().then(() => "started"),
      (error: Error) => error.message,
    );
    expect(refusal).toContain(`cannot enter ${parent} (mode 0700, owner uid 0)`);
    expect(refusal).toContain(`chmod o+x ${parent}`);
    expect(refusal).toContain("--data-dir or MESH_DATA_DIR");
    // Nothing half-made: initdb never ran, so the next start after the fix initialises from scratch.
    expect(await readdir(join(dataDir, "postgres"))).toEqual([]);

    await chmod(parent, 0o711);
    const database = await startEmbeddedPostgres(dataDir);
    await database.stop();
  }, 180_000);
});
