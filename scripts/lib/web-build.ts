import { statSync, readdirSync } from "node:fs";
import path from "node:path";

/** Newest modification time (ms) of any file under these paths, skipping node_modules and .next. */
export function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (entry: string) => {
    let stat;
    try {
      stat = statSync(entry);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(entry)) if (name !== "node_modules" && name !== ".next") visit(path.join(entry, name));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/** True when apps/web has no production build, or one older than its sources (or the shared package it bundles). */
export function webBuildIsStale(repoRoot: string): boolean {
  const web = path.join(repoRoot, "apps/web");
  let built: number;
  try {
    built = statSync(path.join(web, ".next/BUILD_ID")).mtimeMs;
  } catch {
    return true;
  }
  const sources = ["src", "public", "next.config.ts", "package.json", "tsconfig.json"].map((p) => path.join(web, p));
  return newestMtime([...sources, path.join(repoRoot, "packages/shared/src")]) > built;
}
