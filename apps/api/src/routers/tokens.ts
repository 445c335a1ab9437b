import { TRPCError } from "@trpc/server";
import { parseDuration, serviceNameSchema } from "@mesh/shared";
import { z } from "zod";
import { actorOf } from "../auth/principal.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import { adminProcedure, router } from "../trpc.ts";

const tokenName = z.string().trim().min(1, { error: "must not be empty" }).max(100, { error: "must be at most 100 characters" });
const ttlSchema = z.string().refine((text) => {
  try {
    return parseDuration(text) > 0;
  } catch {
    return false;
  }
}, { error: 'must be a duration like "1h" or "24h"' });

export const tokensRouter = router({
  /** A new operator token; the secret is in this answer only, the database keeps its hash. */
  create: adminProcedure.input(z.strictObject({ role: z.enum(["viewer", "editor", "admin"]), name: tokenName })).mutation(async ({ ctx, input }) => {
    const token = generateToken("op");
    const row = await ctx.deps.prisma.operatorToken.create({
      data: { name: input.name, role: input.role, tokenHash: hashToken(token), createdBy: actorOf(ctx.operator) },
    });
    return { id: row.id, name: row.name, role: row.role, token, createdAt: row.createdAt.toISOString() };
  }),

  /** Operator tokens without their secrets, newest first. */
  list: adminProcedure.query(async ({ ctx }) => {
    const rows = await ctx.deps.prisma.operatorToken.findMany({ orderBy: { createdAt: "desc" } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
    }));
  }),

  /** Revokes an operator token or a join token by id; it stops working at once. */
  revoke: adminProcedure.input(z.strictObject({ id: z.string().uuid({ error: "must be a token id" }) })).mutation(async ({ ctx, input }) => {
    const { prisma } = ctx.deps;
    const now = new Date();
    const operator = await prisma.operatorToken.updateMany({ where: { id: input.id, revokedAt: null }, data: { revokedAt: now } });
    const join = operator.count ? { count: 0 } : await prisma.joinToken.updateMany({ where: { id: input.id, revokedAt: null }, data: { revokedAt: now } });
    if (operator.count + join.count === 0) throw new TRPCError({ code: "NOT_FOUND", message: `no active token with id ${input.id}` });
    return { id: input.id, revokedAt: now.toISOString() };
  }),

  /**
   * A token agents present to agent.register; shown once. `service` scopes it: it registers that service only.
   * An unscoped token (any service) must be asked for with `anyService: true`: its holder can join as anyone.
   */
  createJoinToken: adminProcedure
    .input(
      z
        .strictObject({ service: serviceNameSchema.optional(), anyService: z.boolean().optional(), description: z.string().max(200).optional(), ttl: ttlSchema.optional() })
        .refine((input) => (input.service !== undefined) !== (input.anyService === true), {
          error: "give service (the one service this token may register) or anyService: true, not both",
          path: ["service"],
        }),
    )
    .mutation(async ({ ctx, input }) => {
      const token = generateToken("join");
      const expiresAt = input.ttl ? new Date(Date.now() + parseDuration(input.ttl)) : null;
      const row = await ctx.deps.prisma.joinToken.create({
        data: { description: input.description ?? "", service: input.service ?? null, tokenHash: hashToken(token), createdBy: actorOf(ctx.operator), expiresAt },
      });
      return { id: row.id, description: row.description, service: row.service, token, expiresAt: expiresAt?.toISOString() ?? null };
    }),

  /** Join tokens without their secrets, newest first. */
  listJoinTokens: adminProcedure.query(async ({ ctx }) => {
    const rows = await ctx.deps.prisma.joinToken.findMany({ orderBy: { createdAt: "desc" } });
    return rows.map((row) => ({
      id: row.id,
      description: row.description,
      service: row.service,
      createdBy: row.createdBy,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
    }));
  }),
});
