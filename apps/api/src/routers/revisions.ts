import { TRPCError } from "@trpc/server";
import type { Resource, ResourceKind } from "@mesh/shared";
import { z } from "zod";
import { assertMayChange } from "../auth/change-permissions.ts";
import { rolloutStatus, type RolloutStatus } from "../config-push/index.ts";
import { actorOf } from "../auth/principal.ts";
import { changeOf, restoreChanges } from "../resource-store/changes.ts";
import { commitRevision } from "../resource-store/commit-revision.ts";
import { stateAfterRevision } from "../resource-store/revision-history.ts";
import { editorProcedure, router, viewerProcedure } from "../trpc.ts";

const revisionId = z.int().min(1, { error: "revisions are numbered from 1" });

interface RevisionRow {
  id: number;
  actor: string;
  createdAt: Date;
  operation: string;
  message: string | null;
  restoredFrom: number | null;
}

function revisionSummary(row: RevisionRow) {
  return { id: row.id, actor: row.actor, createdAt: row.createdAt.toISOString(), operation: row.operation, message: row.message, restoredFrom: row.restoredFrom };
}

export const revisionsRouter = router({
  /** Newest first, with the resources each one touched. */
  list: viewerProcedure
    .input(z.strictObject({ limit: z.int().min(1).max(1000).default(100), before: revisionId.optional() }).default({ limit: 100 }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.deps.prisma.revision.findMany({
        where: input.before ? { id: { lt: input.before } } : {},
        orderBy: { id: "desc" },
        take: input.limit,
        include: { changes: { select: { kind: true, name: true, before: true, after: true }, orderBy: { id: "asc" } } },
      });
      return rows.map((row) => ({
        ...revisionSummary(row),
        changes: row.changes.map((c) => ({ kind: c.kind as ResourceKind, name: c.name, action: changeOf(c.before as Resource | null, c.after as Resource | null).action })),
      }));
    }),

  /** One revision with each resource's state before and after it. */
  get: viewerProcedure.input(z.strictObject({ id: revisionId })).query(async ({ ctx, input }) => {
    const row = await ctx.deps.prisma.revision.findUnique({ where: { id: input.id }, include: { changes: { orderBy: { id: "asc" } } } });
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `revision ${input.id} does not exist` });
    return { ...revisionSummary(row), changes: row.changes.map((c) => changeOf(c.before as Resource | null, c.after as Resource | null)) };
  }),

  /**
   * How far a revision (the newest when left out) has reached the live agents whose config it changes: how many
   * have applied it, and for each that has not, why (not acknowledged, disconnected, or rejected with its error).
   */
  rollout: viewerProcedure.input(z.strictObject({ revision: revisionId.optional() }).default({})).query(async ({ ctx, input }): Promise<RolloutStatus> => {
    const { prisma } = ctx.deps;
    const row = input.revision === undefined
      ? await prisma.revision.findFirst({ orderBy: { id: "desc" }, select: { id: true } })
      : await prisma.revision.findUnique({ where: { id: input.revision }, select: { id: true } });
    if (!row) {
      const message = input.revision === undefined ? "there are no revisions yet: nothing has been applied" : `revision ${input.revision} does not exist`;
      throw new TRPCError({ code: "NOT_FOUND", message });
    }
    return rolloutStatus(prisma, row.id);
  }),

  /** Restores exactly the resources as they were after `revision`, as a new revision. */
  rollback: editorProcedure.input(z.strictObject({ revision: revisionId, message: z.string().max(500).optional() })).mutation(async ({ ctx, input }) => {
    const record = { actor: actorOf(ctx.operator), operation: "rollback" as const, restoredFrom: input.revision, message: input.message };
    const result = await commitRevision(ctx.deps.prisma, record, async (db, current) => {
      if (!(await db.revision.findUnique({ where: { id: input.revision }, select: { id: true } }))) {
        throw new TRPCError({ code: "NOT_FOUND", message: `revision ${input.revision} does not exist` });
      }
      const changes = restoreChanges(current, await stateAfterRevision(db, input.revision));
      assertMayChange(ctx.operator, changes);
      return { changes, extra: null };
    });
    return { revision: result.revision, changes: result.changes };
  }),
});
