import type { PrismaClient } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { notifyMeshChange } from "../config-push/mesh-changes.ts";
import { loadResourceState, writeResource, type Db, type ResourceState } from "./documents.ts";
import type { ResourceChange } from "./changes.ts";

// Every resource write holds this transaction-scoped advisory lock, so revisions never interleave.
const RESOURCE_WRITE_LOCK_KEY = 4_823_117_002;
const WRITE_TIMEOUT_MS = 60_000;

export interface RevisionRecord {
  actor: string;
  operation: "apply" | "delete" | "rollback";
  message?: string | null;
  restoredFrom?: number | null;
}

export interface CommitResult<T> {
  revision: number | null;
  changes: ResourceChange[];
  extra: T;
}

/**
 * Runs `plan` against the current resources under the write lock and commits what it returns as one
 * revision (resource rows, Revision, RevisionChanges, NOTIFY) in one transaction. No effective change: no revision.
 */
export async function commitRevision<T>(
  prisma: PrismaClient,
  record: RevisionRecord,
  plan: (db: Db, current: ResourceState) => Promise<{ changes: ResourceChange[]; extra: T }>,
): Promise<CommitResult<T>> {
  return prisma.$transaction(
    async (db) => {
      await db.$executeRaw`SELECT pg_advisory_xact_lock(${RESOURCE_WRITE_LOCK_KEY}::bigint)`;
      const { changes, extra } = await plan(db, await loadResourceState(db));
      const effective = changes.filter((c) => c.action !== "unchanged");
      if (effective.length === 0) return { revision: null, changes, extra };

      const revision = await db.revision.create({
        data: { actor: record.actor, operation: record.operation, message: record.message ?? null, restoredFrom: record.restoredFrom ?? null },
      });
      for (const change of effective) await writeResource(db, change.kind, change.name, change.after, revision.id);
      await db.revisionChange.createMany({
        data: effective.map((c) => ({ revisionId: revision.id, kind: c.kind, name: c.name, before: json(c.before), after: json(c.after) })),
      });
      await notifyMeshChange(db, { type: "revision", revision: revision.id });
      return { revision: revision.id, changes, extra };
    },
    { timeout: WRITE_TIMEOUT_MS, maxWait: WRITE_TIMEOUT_MS },
  );
}

function json(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}
