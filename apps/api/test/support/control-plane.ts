import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import { createTestDatabase, type TestDatabase } from "@mesh/testkit";
import { startControlPlane, type ControlPlane } from "../../src/server.ts";
import type { AppRouter } from "../../src/root.ts";

export type ApiClient = ReturnType<typeof apiClient>;

/** A tRPC client over real HTTP, authenticated with `token` (none when null). */
export function apiClient(url: string, token: string | null, extraHeaders: Record<string, string> = {}) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ ...extraHeaders, ...(token ? { authorization: `Bearer ${token}` } : {}) }) })],
  });
}

export interface TestControlPlane {
  controlPlane: ControlPlane;
  database: TestDatabase;
  /** Client with the bootstrap admin token. */
  admin: ApiClient;
  client(token: string | null, extraHeaders?: Record<string, string>): ApiClient;
  close(): Promise<void>;
}

/** A real control plane on a free port over a fresh database on the machine's PostgreSQL. */
export async function startTestControlPlane(): Promise<TestControlPlane> {
  const database = await createTestDatabase("mesh_api");
  const dataDir = await mkdtemp(join(tmpdir(), "mesh-api-"));
  const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  return {
    controlPlane,
    database,
    admin: apiClient(controlPlane.url, controlPlane.adminToken),
    client: (token, extraHeaders) => apiClient(controlPlane.url, token, extraHeaders),
    close: async () => {
      await controlPlane.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
