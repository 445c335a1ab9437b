import path from "node:path";
import { parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../errors.ts";
import { onShutdownSignal } from "../shutdown-signals.ts";

export const serverCommand: Command = {
  name: "server",
  usage: "server [--port 4000] [--host 0.0.0.0] [--data-dir DIR]",
  summary: "run the control plane (DATABASE_URL, else an embedded PostgreSQL in the data dir)",
  role: null,
  async run(argv, { print }) {
    const { values, positionals } = parseCommandArgs(argv, {
      port: { type: "string", default: "4000" },
      host: { type: "string" },
      "data-dir": { type: "string" },
    });
    requirePositionals(positionals, []);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number 0-65535 (got "${values.port}")`);
    const dataDir = path.resolve(values["data-dir"] ?? process.env.MESH_DATA_DIR ?? ".mesh");
    // Loaded here so the client verbs start without the server's code (Prisma, CA, …).
    const { startControlPlane } = await import("../../server.ts");
    const controlPlane = await startControlPlane({
      port,
      host: values.host,
      dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      adminToken: process.env.MESH_ADMIN_TOKEN || undefined,
      joinToken: process.env.MESH_JOIN_TOKEN || undefined,
    });
    print(`control plane listening on ${controlPlane.url}`);
    print(`  data dir:     ${dataDir}`);
    print(`  trust domain: ${controlPlane.trustDomain}`);
    print(`  admin token:  ${controlPlane.adminToken}`);
    print(`  join token:   ${controlPlane.joinToken}`);
    print(`export MESH_API_URL=${controlPlane.url} MESH_TOKEN=${controlPlane.adminToken}`);
    await new Promise<void>((resolve) => onShutdownSignal(() => resolve()));
    print("stopping the control plane");
    await controlPlane.close();
  },
};
