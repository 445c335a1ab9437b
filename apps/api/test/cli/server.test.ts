import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, startTsProcess, waitFor, type RunningProcess, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMesh } from "./run-mesh.ts";

let database: TestDatabase;
let dataDir: string;
let server: RunningProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase("mesh_cli_server");
  dataDir = await mkdtemp(path.join(tmpdir(), "mesh-cli-server-"));
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("mesh server", () => {
  it("runs the control plane, prints its URL and tokens, serves the other verbs, and stops on SIGTERM", async () => {
    server = startTsProcess("apps/api/src/cli/main.ts", ["server", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {
      DATABASE_URL: database.url,
      MESH_ADMIN_TOKEN: "",
      MESH_JOIN_TOKEN: "",
    });
    // The banner is several writes; the export line is its last.
    await waitFor(() => server!.output().includes("export MESH_API_URL="), { timeoutMs: 60_000, what: "mesh server to listen and print its banner" });
    const url = /control plane listening on (http:\/\/\S+)/.exec(server.output())?.[1];
    expect(url).toBeDefined();
    const adminToken = /admin token: +(mesh_op_\S+)/.exec(server.output())?.[1];
    expect(/join token: +(mesh_join_\S+)/.exec(server.output())?.[1]).toBeDefined();
    expect(adminToken).toBeDefined();
    expect((await stat(path.join(dataDir, "admin-token"))).mode & 0o777).toBe(0o600);

    const status = await runMesh(["status"], { MESH_API_URL: url, MESH_TOKEN: adminToken });
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("config revision 0; 0 agents");
    expect(status.stdout).toContain("no agents have joined");

    const traces = await runMesh(["traces", "list"], { MESH_API_URL: url, MESH_TOKEN: adminToken });
    expect(traces.code).toBe(0);
    expect(traces.stdout.trim()).toBe("no traces in the last 15 minutes");

    const missingTrace = await runMesh(["traces", "get", "0af7651916cd43dd8448eb211c80319c"], { MESH_API_URL: url, MESH_TOKEN: adminToken });
    expect(missingTrace.code).toBe(1);
    expect(missingTrace.stderr.trim()).toBe("mesh traces: no spans stored for trace 0af7651916cd43dd8448eb211c80319c");

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("stopping the control plane");
  });

  it("refuses a bad port before starting anything", async () => {
    const result = await runMesh(["server", "--port", "http"], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be a port number 0-65535 (got "http")');
  });
});
