export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./server.ts";
export { INSTANCE_TTL_MS } from "./config-push/index.ts";
export type { ControlPlaneDeps } from "./deps.ts";
export type { AppRouter } from "./root.ts";
export { createPrisma } from "./db/client.ts";
export { migrate } from "./db/migrate.ts";
export { startEmbeddedPostgres } from "./db/embedded.ts";
