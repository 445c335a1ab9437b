import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@mesh/testkit";
import { migrate } from "../../src/db/migrate.ts";
import { SCHEMA_FILE, sqlForSchema } from "../../src/db/schema-sql.ts";
import { catalogDifferences, describeCatalog, executeScript } from "../support/catalog.ts";

// The migrations, applied by our runner, must build exactly the database schema.prisma describes
// (as Prisma's own schema engine would create it from nothing).
const databases: TestDatabase[] = [];
let schema: string;
let migrated: string[];

async function catalogOfSchema(schemaText: string): Promise<string[]> {
  const database = await createTestDatabase("mesh_drift");
  databases.push(database);
  await executeScript(database.url, await sqlForSchema(schemaText, database.url));
  return describeCatalog(database.url);
}

beforeAll(async () => {
  schema = await readFile(SCHEMA_FILE, "utf8");
  const database = await createTestDatabase("mesh_drift");
  databases.push(database);
  await migrate(database.url);
  migrated = await describeCatalog(database.url);
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe("schema drift", () => {
  it("the migrations build exactly what schema.prisma describes", async () => {
    const differences = catalogDifferences(migrated, await catalogOfSchema(schema));
    expect(differences, "write a migration for these (- only in migrations, + only in schema.prisma)").toEqual([]);
    expect(migrated.length).toBeGreaterThan(50);
  });

  it("notices a column that schema.prisma has and the migrations lack", async () => {
    const changed = schema.replace(/model Service \{\n/, "model Service {\n  owner String?\n");
    expect(changed).not.toBe(schema);
    const differences = catalogDifferences(migrated, await catalogOfSchema(changed));
    expect(differences).toEqual(["+ column Service.owner text null=YES default=-"]);
  });

  it("notices a changed index", async () => {
    const changed = schema.replace("@@index([target])", "@@index([target, action])");
    const differences = catalogDifferences(migrated, await catalogOfSchema(changed));
    expect(differences.some((d) => d.startsWith("- index") && d.includes("AccessPolicy_target_idx"))).toBe(true);
    expect(differences.some((d) => d.startsWith("+ index") && d.includes("(target, action)"))).toBe(true);
  });
});
