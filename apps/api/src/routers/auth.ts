import { TRPCError } from "@trpc/server";
import type { JoinGrant } from "../auth/join-attestation.ts";
import type { OperatorRole } from "../auth/principal.ts";
import { createSession, revokeSession } from "../auth/sessions.ts";
import { publicProcedure, router, viewerProcedure } from "../trpc.ts";

export type WhoAmI =
  | { kind: "operator"; role: OperatorRole; name: string }
  | { kind: "agent"; service: string; instanceId: string }
  | { kind: "join"; service: JoinGrant["service"] }
  | null;

export const authRouter = router({
  /** Who the presented token belongs to; null when no valid token was given. */
  whoami: publicProcedure.query(({ ctx }): WhoAmI => {
    const principal = ctx.principal;
    if (!principal) return null;
    if (principal.kind === "operator") return { kind: "operator", role: principal.role, name: principal.name };
    if (principal.kind === "join") return { kind: "join", service: principal.service };
    return principal;
  }),

  /**
   * A dashboard session for the operator token presented (as a bearer token): the dashboard keeps only the session
   * secret in its cookie. A session cannot make another one, so a stolen cookie cannot outlive its expiry.
   */
  createSession: viewerProcedure.mutation(async ({ ctx }) => {
    const credential = ctx.principal?.kind === "operator" ? ctx.principal.credential : null;
    if (credential?.kind !== "token") throw new TRPCError({ code: "FORBIDDEN", message: "a session is made from an operator token, not from another session" });
    const session = await createSession(ctx.deps.prisma, credential.hash);
    return { secret: session.secret, expiresAt: session.expiresAt.toISOString(), name: ctx.operator.name, role: ctx.operator.role };
  }),

  /** Ends the presented session on the server; its cookie stops working everywhere at once. */
  logout: viewerProcedure.mutation(async ({ ctx }) => {
    const credential = ctx.principal?.kind === "operator" ? ctx.principal.credential : null;
    if (credential?.kind !== "session") throw new TRPCError({ code: "BAD_REQUEST", message: "logout ends a dashboard session; this request presented a token, which the dashboard's settings page revokes" });
    await revokeSession(ctx.deps.prisma, credential.id);
    return { ok: true as const };
  }),
});
