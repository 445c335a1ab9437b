import { spawn } from "node:child_process";
import { REPO_ROOT } from "@mesh/testkit";

export interface MeshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `mesh` CLI as a process (as `pnpm mesh` does), with stdin when given. */
export function runMesh(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<MeshRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, MESH_API_URL: undefined, MESH_TOKEN: undefined, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
