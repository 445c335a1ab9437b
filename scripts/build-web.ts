// Builds the dashboard once before the tests, so the browser tests and the `pnpm start` test
// never race each other on apps/web/.next. Skipped when the build is newer than its sources.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./lib/managed-process.ts";
import { webBuildIsStale } from "./lib/web-build.ts";

if (webBuildIsStale(REPO_ROOT)) {
  const web = path.join(REPO_ROOT, "apps/web");
  const result = spawnSync(path.join(web, "node_modules/.bin/next"), ["build"], { cwd: web, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  process.exit(result.status ?? 1);
}
console.log("dashboard build is up to date");
