import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startControlPlane } from "../../../api/src/server.ts";
import { createTestDatabase } from "@mesh/testkit";
import { meshClient, type MeshClient } from "./mesh-client.ts";
import { startNext } from "./next-app.ts";

export interface OwnMesh {
  apiUrl: string;
  webUrl: string;
  joinToken: string;
  adminToken: string;
  admin: MeshClient;
  /** Takes the control plane down (for real), leaving the dashboard up. */
  stopControlPlane(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A control plane of its own (fresh database) and a `next start` on the suite's build, for a test file whose
 * services must not show up in the shared demo mesh's graph.
 */
export async function startOwnMesh(name: string): Promise<OwnMesh> {
  const database = await createTestDatabase(name);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
  const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  let closed: Promise<void> | undefined;
  const stopControlPlane = () => (closed ??= controlPlane.close());
  const stopBackend = async () => {
    await stopControlPlane();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  let next: Awaited<ReturnType<typeof startNext>>;
  try {
    next = await startNext(controlPlane.url);
  } catch (error) {
    await stopBackend();
    throw error;
  }
  return {
    apiUrl: controlPlane.url,
    webUrl: next.url,
    joinToken: controlPlane.joinToken,
    adminToken: controlPlane.adminToken,
    admin: meshClient(controlPlane.url, controlPlane.adminToken),
    stopControlPlane,
    async stop() {
      await next.process.stop();
      await stopBackend();
    },
  };
}
