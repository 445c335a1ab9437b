import { TRPCClientError } from "@trpc/client";
import { describeIssue, type ResourceIssue } from "@mesh/shared";
import type { Role } from "./command.ts";

interface FailureContext {
  apiUrl: string;
  token: string | undefined;
  verb: string;
  role: Role | null;
}

/** One line a person can act on, for any error a verb throws while talking to the API. */
export function describeFailure(error: unknown, context: FailureContext): string {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error.message : String(error);
  const status = httpStatusOf(error);
  if (status === undefined) return unreachable(error, context.apiUrl);
  if (status === 401) {
    return context.token
      ? `MESH_TOKEN is invalid or revoked (the control plane at ${context.apiUrl} refused it)`
      : `MESH_TOKEN is missing: set it to an operator token (printed by \`mesh server\` / \`pnpm start\`, or made with \`mesh token create\`)`;
  }
  if (status === 403) {
    const roleNamed = /\b(viewer|editor|admin)\b/.test(error.message);
    const needed = context.role && !roleNamed ? ` (\`mesh ${context.verb}\` needs the ${context.role} role or higher)` : "";
    return `permission denied: ${error.message}${needed}`;
  }
  const issues = (error.data as { issues?: ResourceIssue[] | null } | null | undefined)?.issues;
  if (issues?.length) return `invalid input, nothing was changed:\n  ${issues.map(describeIssue).join("\n  ")}`;
  if (status === 404 && /no procedure|No "(query|mutation)"/i.test(error.message)) {
    return `the control plane at ${context.apiUrl} does not offer this command (${error.message})`;
  }
  return error.message;
}

function httpStatusOf(error: TRPCClientError<never>): number | undefined {
  const data = error.data as { httpStatus?: unknown } | null | undefined;
  if (typeof data?.httpStatus === "number") return data.httpStatus;
  const response = error.meta?.["response"] as { status?: unknown } | undefined;
  return typeof response?.status === "number" ? response.status : undefined;
}

function unreachable(error: TRPCClientError<never>, apiUrl: string): string {
  const cause = (error.cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : error.message;
  return `cannot reach the control plane at ${apiUrl} (${detail}); is it running? Set MESH_API_URL to its address`;
}
