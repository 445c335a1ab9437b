import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../../prisma/migrations/", import.meta.url));

// Any constant shared by every replica; pg advisory locks are keyed by a bigint.
const MIGRATION_LOCK_KEY = 4_823_117_001;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** prisma/migrations/<stamp>_<name>/migration.sql, in name order (Prisma's layout). */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/**
 * Applies the migrations not yet applied, each in its own transaction, under an advisory lock so
 * replicas may start together. Refuses to run when an applied migration's file changed or vanished.
 */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "_mesh_migrations" (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "_mesh_migrations"`);
    const byName = new Map(migrations.map((m) => [m.name, m]));
    for (const row of rows) {
      const file = byName.get(row.name);
      if (!file) throw new Error(`migration ${row.name} is applied to the database but missing from ${dir}; is this an older build?`);
      if (file.checksum !== row.checksum) {
        throw new Error(`migration ${row.name} changed after it was applied (checksum ${row.checksum.slice(0, 12)} → ${file.checksum.slice(0, 12)}); add a new migration instead`);
      }
    }
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const migration of migrations.filter((m) => !done.has(m.name))) {
      await applyOne(client, migration);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  try {
    await client.query("BEGIN");
    await client.query(migration.sql);
    await client.query(`INSERT INTO "_mesh_migrations" (name, checksum) VALUES ($1, $2)`, [migration.name, migration.checksum]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
}
