import type { PrismaClient } from "../db/client.ts";

/** Postgres NOTIFY channel on which every write that changes agents' config is announced to every API replica. */
export const MESH_CHANGES_CHANNEL = "mesh_changes";

export type MeshChange = { type: "revision"; revision: number } | { type: "instances"; service?: string };

/** Announces a change; inside a transaction, Postgres delivers it only when (and if) the transaction commits. */
export async function notifyMeshChange(db: Pick<PrismaClient, "$executeRaw">, change: MeshChange): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${MESH_CHANGES_CHANNEL}, ${JSON.stringify(change)})`;
}
