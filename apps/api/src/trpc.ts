import { initTRPC, TRPCError } from "@trpc/server";
import { formatPath, ResourceValidationError, type ResourceIssue } from "@mesh/shared";
import { ZodError } from "zod";
import type { OperatorRole, Principal } from "./auth/principal.ts";
import type { ControlPlaneDeps } from "./deps.ts";

export type { Principal, OperatorRole };

export interface Context {
  deps: ControlPlaneDeps;
  principal: Principal;
}

/** What the client gets in `error.data` besides tRPC's own fields. */
export interface ErrorDetails {
  /** Input that failed the procedure's zod schema: one entry per field. */
  fieldErrors: { field: string; message: string }[] | null;
  /** Resource documents that failed validation (resources.apply). */
  issues: ResourceIssue[] | null;
}

const t = initTRPC.context<Context>().create({
  // Pings let an agent notice a half-open SSE connection and reconnect.
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 25_000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const details: ErrorDetails = { fieldErrors: null, issues: null };
    let message = shape.message;
    if (cause instanceof ZodError) {
      details.fieldErrors = cause.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
      message = details.fieldErrors.map((f) => `${f.field}: ${f.message}`).join("; ");
    } else if (cause instanceof ResourceValidationError) {
      details.issues = cause.issues;
    }
    return { ...shape, message, data: { ...shape.data, ...details } };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

const ROLE_RANK: Record<OperatorRole, number> = { viewer: 0, editor: 1, admin: 2 };

function operatorWith(minimum: OperatorRole) {
  return t.procedure.use(({ ctx, next }) => {
    const principal = ctx.principal;
    if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid token is required" });
    if (principal.kind !== "operator") throw new TRPCError({ code: "FORBIDDEN", message: `operators only; this is a ${principal.kind} token` });
    if (ROLE_RANK[principal.role] < ROLE_RANK[minimum]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `needs role ${minimum} or higher; ${principal.name} is ${principal.role}` });
    }
    return next({ ctx: { operator: principal } });
  });
}

export const viewerProcedure = operatorWith("viewer");
export const editorProcedure = operatorWith("editor");
export const adminProcedure = operatorWith("admin");

export const agentProcedure = t.procedure.use(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid agent credential is required" });
  if (principal.kind !== "agent") throw new TRPCError({ code: "FORBIDDEN", message: "agents only: register first and use the credential you got" });
  return next({ ctx: { agent: { service: principal.service, instanceId: principal.instanceId } } });
});

export const joinProcedure = t.procedure.use(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid join token is required" });
  if (principal.kind !== "join") throw new TRPCError({ code: "FORBIDDEN", message: "needs a join token" });
  return next();
});
