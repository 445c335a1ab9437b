// Authoring aid: `pnpm exec tsx apps/api/src/db/print-schema-sql.ts` prints the SQL that creates
// schema.prisma from nothing; a new migration takes from it what the earlier ones lack.
import { readFile } from "node:fs/promises";
import { TEST_POSTGRES_URL } from "@mesh/testkit";
import { SCHEMA_FILE, sqlForSchema } from "./schema-sql.ts";

process.stdout.write(await sqlForSchema(await readFile(SCHEMA_FILE, "utf8"), process.env.DATABASE_URL ?? TEST_POSTGRES_URL));
