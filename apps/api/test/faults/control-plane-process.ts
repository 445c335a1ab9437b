import { startControlPlane } from "../../src/server.ts";

/**
 * A control plane as its own process, for tests that kill it: settings come from the environment
 * (MESH_DATA_DIR, MESH_PORT, DATABASE_URL when set, else the embedded PostgreSQL in the data dir), and one line
 * `ready <json>` on stdout says where it listens. SIGTERM closes it cleanly.
 */
const controlPlane = await startControlPlane({
  port: Number(process.env.MESH_PORT ?? 0),
  host: "127.0.0.1",
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.MESH_DATA_DIR!,
  log: false,
});
console.log(`ready ${JSON.stringify({ url: controlPlane.url, adminToken: controlPlane.adminToken, joinToken: controlPlane.joinToken })}`);
process.once("SIGTERM", () => void controlPlane.close().then(() => process.exit(0)));
