import { initTRPC, TRPCError } from "@trpc/server";
import { formatPath, ResourceValidationError, type ResourceIssue } from "@mesh/shared";
import { ZodError } from "zod";
import type { OperatorRole, Principal } from "./auth/principal.ts";
import type { ControlPlaneDeps } from "./deps.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";
import { findUnstorableText } from "./input-limits/storable-text.ts";

export type { Principal, OperatorRole };

export interface Context {
  deps: ControlPlaneDeps;
  principal: Principal;
  /** The request's TCP source address, as the control plane sees it (IPv4-mapped IPv6 unwrapped); null when unknown. */
  remoteAddress: string | null;
}

/** What the client gets in `error.data` besides tRPC's own fields. */
export interface ErrorDetails {
  /** Input that failed the procedure's zod schema: one entry per field. */
  fieldErrors: { field: string; message: string }[] | null;
  /** Resource documents that failed validation (resources.apply). */
  issues: ResourceIssue[] | null;
}

/** Largest /trpc request body: room for a 1 MB YAML apply, JSON-escaped; a bigger one is refused with 413 as it streams in. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

const t = initTRPC.context<Context>().create({
  // Stack traces are for the control plane's log (server.ts onError), never for clients.
  isDev: false,
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
    } else if (error.code === "PAYLOAD_TOO_LARGE") {
      message = `request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`;
    } else if (error.code === "INTERNAL_SERVER_ERROR") {
      // An unexpected failure's message can quote internals (queries, file paths); the log has it in full.
      message = "internal error in the control plane; its log has the details";
    }
    return { ...shape, message, data: { ...shape.data, ...details } };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

export const DATABASE_UNAVAILABLE_MESSAGE = "the control plane's database is unavailable; retry shortly";

/** A database that is down or restarting is 503 with a message saying so, not an opaque 500 (and not a hang). */
const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) {
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE_MESSAGE, cause: result.error.cause });
  }
  return result;
});

/**
 * Text PostgreSQL cannot store (NUL, unpaired surrogates) is bad input, refused (after authentication) before any
 * procedure runs. Agents' telemetry is not refused for it: the telemetry store cleans such text instead.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const found = findUnstorableText(await getRawInput());
  if (found) throw new TRPCError({ code: "BAD_REQUEST", message: `${formatPath(found.path)}: ${found.message}` });
  return next();
});

export const publicProcedure = procedure.use(storableInput);

const ROLE_RANK: Record<OperatorRole, number> = { viewer: 0, editor: 1, admin: 2 };

function operatorWith(minimum: OperatorRole) {
  return procedure.use(({ ctx, next }) => {
    const principal = ctx.principal;
    if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid token is required" });
    if (principal.kind !== "operator") throw new TRPCError({ code: "FORBIDDEN", message: `operators only; this is a ${principal.kind} token` });
    if (ROLE_RANK[principal.role] < ROLE_RANK[minimum]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `needs role ${minimum} or higher; ${principal.name} is ${principal.role}` });
    }
    return next({ ctx: { operator: principal } });
  }).use(storableInput);
}

export const viewerProcedure = operatorWith("viewer");
export const editorProcedure = operatorWith("editor");
export const adminProcedure = operatorWith("admin");

export const agentProcedure = procedure.use(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid agent credential is required" });
  if (principal.kind !== "agent") throw new TRPCError({ code: "FORBIDDEN", message: "agents only: register first and use the credential you got" });
  return next({ ctx: { agent: { service: principal.service, instanceId: principal.instanceId } } });
});

export const joinProcedure = procedure.use(({ ctx, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid join token is required (this one is unknown, revoked or expired)" });
  if (principal.kind !== "join") throw new TRPCError({ code: "FORBIDDEN", message: "needs a join token" });
  return next({ ctx: { join: { service: principal.service, attestation: principal.attestation, holder: principal.holder } } });
}).use(storableInput);
