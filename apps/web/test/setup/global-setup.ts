import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane } from "../../../api/src/server.ts";
import { createTestDatabase } from "@mesh/testkit";
import { meshClient } from "./mesh-client.ts";
import { buildIfStale, startNext } from "./next-app.ts";
import { DEMO_EDGES } from "./demo-mesh.ts";
import { keepAlive, seedDemoMesh } from "./seed-mesh.ts";
import { startRealTraffic, type RealTraffic } from "./real-agents.ts";
import type { WebTestEnv } from "./web-test-env.ts";

/** One real control plane (fresh database) and one real `next start` for every browser test file. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase("mesh_web");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mesh-web-"));
  const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  let stopHeartbeats = async () => {};
  let realTraffic: RealTraffic | undefined;
  const stopAll = async () => {
    await realTraffic?.stop();
    await stopHeartbeats();
    await next?.process.stop();
    await controlPlane.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  let next: Awaited<ReturnType<typeof startNext>> | undefined;
  try {
    await buildIfStale();
    next = await startNext(controlPlane.url);
    const seeded = await seedDemoMesh(controlPlane.url, controlPlane.adminToken, controlPlane.joinToken);
    stopHeartbeats = keepAlive(controlPlane.url, controlPlane.adminToken, seeded.agents, DEMO_EDGES);
    realTraffic = await startRealTraffic(controlPlane.url, controlPlane.joinToken);
    const admin = meshClient(controlPlane.url, controlPlane.adminToken);
    const viewer = await admin.tokens.create.mutate({ role: "viewer", name: "vera-viewer" });
    const editor = await admin.tokens.create.mutate({ role: "editor", name: "eddie-editor" });
    const env: WebTestEnv = {
      webUrl: next.url,
      apiUrl: controlPlane.url,
      adminToken: controlPlane.adminToken,
      joinToken: controlPlane.joinToken,
      viewerToken: viewer.token,
      editorToken: editor.token,
      trace: seeded.trace,
    };
    project.provide("web", env);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
