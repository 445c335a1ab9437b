// Generates the Prisma client at install time. The schema engine binary is not needed for
// `generate` and cannot be downloaded here, so a stand-in is passed (see docs/DEVELOPING.md).
import { spawnSync } from "node:child_process";

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
const result = spawnSync("pnpm", ["exec", "prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
