import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@mesh/testkit";
import { migrate, MIGRATIONS_DIR, readMigrations } from "../../src/db/migrate.ts";

const databases: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase("mesh_migrate");
  databases.push(database);
  return database;
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mesh-migrations-"));
  dirs.push(dir);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migrate", () => {
  it("applies every migration once, recording its checksum", async () => {
    const database = await freshDatabase();
    const names = (await readMigrations()).map((m) => m.name);
    expect(await migrate(database.url)).toEqual({ applied: names });
    expect(await migrate(database.url)).toEqual({ applied: [] });
    const rows = await query<{ name: string; checksum: string }>(database.url, `SELECT name, checksum FROM "_mesh_migrations" ORDER BY name`);
    expect(rows).toEqual((await readMigrations()).map((m) => ({ name: m.name, checksum: m.checksum })));
    expect(await query(database.url, `SELECT count(*)::int AS n FROM "Revision"`)).toEqual([{ n: 0 }]);
  });

  it("lets replicas start together: concurrent runs apply each migration exactly once", async () => {
    const database = await freshDatabase();
    const results = await Promise.all([migrate(database.url), migrate(database.url), migrate(database.url)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual((await readMigrations()).map((m) => m.name));
  });

  it("refuses to run when an applied migration's file changed", async () => {
    const database = await freshDatabase();
    const dir = await copyOfMigrations();
    await migrate(database.url, dir);
    const [first] = await readMigrations(dir);
    await appendFile(join(dir, first!.name, "migration.sql"), "\n-- edited\n");
    await expect(migrate(database.url, dir)).rejects.toThrow(`migration ${first!.name} changed after it was applied`);
  });

  it("rolls a failing migration back whole and records nothing", async () => {
    const database = await freshDatabase();
    const dir = await copyOfMigrations();
    await mkdir(join(dir, "29990101000000_broken"));
    await writeFile(join(dir, "29990101000000_broken", "migration.sql"), `CREATE TABLE "Half" (id int);\nALTER TABLE "Nope" ADD COLUMN x int;\n`);
    await expect(migrate(database.url, dir)).rejects.toThrow(/migration 29990101000000_broken failed: relation "Nope" does not exist/);
    expect(await query(database.url, `SELECT to_regclass('"Half"') AS half`)).toEqual([{ half: null }]);
    expect((await query<{ name: string }>(database.url, `SELECT name FROM "_mesh_migrations"`)).map((r) => r.name)).not.toContain("29990101000000_broken");
  });
});
