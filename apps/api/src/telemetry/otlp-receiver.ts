import type { IncomingMessage, ServerResponse } from "node:http";
import { formatPath } from "@mesh/shared";
import type { Principal } from "../auth/principal.ts";
import type { ControlPlaneDeps } from "../deps.ts";
import { nestsDeeperThan } from "../input-limits/nesting-depth.ts";
import { exportTraceRequestSchema, servicesIn, toSpanRows, type ExportTraceRequest, type SpanRow } from "./otlp-json.ts";
import { BodyRejectedError, readBody } from "./read-body.ts";
import { pruneTelemetryIfDue, retention } from "./retention.ts";
import { insertSpans } from "./span-store.ts";
import { counted, splitAtRetention, tooOldMessage } from "./within-retention.ts";

export const OTLP_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const SHOWN_ISSUES = 5;
/** Far beyond OTLP's own structure plus nested attribute values; deeper input would overflow the recursive schema. */
const MAX_JSON_NESTING = 64;

/** Rejections carry an OTLP-style status body (google.rpc.Status: code + message). */
class OtlpRejection extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POST /v1/traces: OTLP/HTTP with JSON bodies. Who may write spans:
 * - an agent, with its credential, for its own service only;
 * - an operator token with role editor or admin, for any service (an app instrumented with an
 *   OpenTelemetry SDK exporting straight to the control plane);
 * - the join token, which already lets its holder register as any service and so adds no power here.
 * A viewer token only reads. The whole body is validated before anything is stored.
 *
 * Spans that started before the retention cutoff are not stored: the answer is still 200, with
 * OTLP's partialSuccess counting them, because a retry would be refused the same way.
 */
export async function receiveOtlpTraces(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ControlPlaneDeps,
  authenticate: () => Promise<Principal>,
): Promise<void> {
  try {
    const principal = await authenticate();
    authorizeWriter(principal);
    const request = parseRequest(req.headers["content-type"], await readBodyOrReject(req));
    authorizeServices(principal, request);
    // One clock reading for the split and the prune, so nothing this request stores is pruned by it.
    const now = Date.now();
    const { spans, response } = await withinRetention(deps, toSpanRows(request), now);
    await insertSpans(deps.prisma, spans);
    await pruneTelemetryIfDue(deps.prisma, now);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(response));
  } catch (error) {
    if (!(error instanceof OtlpRejection)) throw error;
    const headers: Record<string, string> = { "content-type": "application/json" };
    // The rest of an oversized body is never read; closing beats draining megabytes.
    if (error.httpStatus === 413) headers.connection = "close";
    res.writeHead(error.httpStatus, headers).end(JSON.stringify({ code: grpcCode(error.httpStatus), message: error.message }));
  }
}

/** ExportTraceServiceResponse: empty on full success, as OTLP/HTTP requires; partialSuccess otherwise. */
type ExportTraceResponse = { partialSuccess?: { rejectedSpans: number; errorMessage: string } };

async function withinRetention(deps: ControlPlaneDeps, rows: SpanRow[], now: number): Promise<{ spans: SpanRow[]; response: ExportTraceResponse }> {
  const policy = await retention(deps.prisma);
  const cutoffMs = now - policy.ms;
  const { kept: spans, tooOld } = splitAtRetention(rows, (row) => row.startMs, cutoffMs);
  if (tooOld === 0) return { spans, response: {} };
  const errorMessage = tooOldMessage(counted(tooOld, "span"), policy, cutoffMs);
  return { spans, response: { partialSuccess: { rejectedSpans: tooOld, errorMessage } } };
}

function authorizeWriter(principal: Principal): void {
  if (!principal) throw new OtlpRejection(401, "a token is required: an agent credential, an editor or admin token, or the join token");
  if (principal.kind === "operator" && principal.role === "viewer") {
    throw new OtlpRejection(403, `${principal.name} is a viewer; writing spans needs an editor or admin token`);
  }
}

function authorizeServices(principal: Principal, request: ExportTraceRequest): void {
  if (principal?.kind !== "agent") return;
  const foreign = [...servicesIn(request)].filter((service) => service !== principal.service);
  if (foreign.length > 0) {
    throw new OtlpRejection(403, `the credential of service ${principal.service} may only write its own spans, not those of ${foreign.join(", ")}`);
  }
}

async function readBodyOrReject(req: IncomingMessage): Promise<Buffer> {
  try {
    return await readBody(req, OTLP_BODY_LIMIT_BYTES);
  } catch (error) {
    if (error instanceof BodyRejectedError) throw new OtlpRejection(error.status, error.message);
    throw error;
  }
}

function parseRequest(contentType: string | undefined, body: Buffer): ExportTraceRequest {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/x-protobuf") {
    throw new OtlpRejection(415, "OTLP/protobuf is not supported here; send OTLP/JSON (Content-Type: application/json)");
  }
  if (mediaType !== "application/json") throw new OtlpRejection(415, `Content-Type must be application/json, got "${contentType ?? ""}"`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new OtlpRejection(400, `body is not valid JSON: ${(error as Error).message}`);
  }
  if (nestsDeeperThan(json, MAX_JSON_NESTING)) throw new OtlpRejection(400, `body nests deeper than ${MAX_JSON_NESTING} levels, nothing stored`);
  const parsed = exportTraceRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, SHOWN_ISSUES).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more)` : "";
    throw new OtlpRejection(400, `invalid OTLP trace request, nothing stored: ${shown.join("; ")}${more}`);
  }
  return parsed.data;
}

/** google.rpc.Code for the status body: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, … */
function grpcCode(httpStatus: number): number {
  return ({ 400: 3, 401: 16, 403: 7, 413: 8, 415: 3 } as Record<number, number>)[httpStatus] ?? 2;
}
