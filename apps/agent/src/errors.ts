import type { ServerResponse } from "node:http";

/** Why the agent answered a request itself instead of passing on the upstream's answer. */
export type MeshErrorCause =
  | "unknown-service"
  | "no-route"
  | "no-healthy-endpoints"
  | "circuit-open"
  | "overloaded"
  | "timeout"
  | "denied"
  | "rate-limited"
  | "upstream-connect"
  | "upstream-reset"
  | "fault-abort"
  | "invalid-path";

const STATUS: Record<MeshErrorCause, number> = {
  "unknown-service": 503,
  "no-route": 404,
  "no-healthy-endpoints": 503,
  "circuit-open": 503,
  overloaded: 503,
  timeout: 504,
  denied: 403,
  "rate-limited": 429,
  "upstream-connect": 502,
  "upstream-reset": 502,
  "fault-abort": 503,
  "invalid-path": 400,
};

export const MESH_ERROR_HEADER = "x-mesh-error";
/** The AccessPolicy that decided a denial; absent when MeshConfig.defaultAccess decided. */
export const MESH_POLICY_HEADER = "x-mesh-policy";

export function statusFor(cause: MeshErrorCause, statusOverride?: number): number {
  return statusOverride ?? STATUS[cause];
}

/**
 * Answers with the agent's own error: status from the cause (or the fault policy), the cause in
 * x-mesh-error, and a one-line text body saying what happened. Returns the status sent.
 */
export function sendMeshError(
  res: ServerResponse,
  cause: MeshErrorCause,
  message: string,
  options?: { status?: number; policy?: string | null },
): number {
  const status = statusFor(cause, options?.status);
  if (res.destroyed) return status;
  if (res.headersSent) {
    // Part of an upstream answer already went out: cutting the connection is the only honest signal left.
    res.destroy();
    return status;
  }
  const body = `${cause}: ${message}\n`;
  const headers: Record<string, string | number> = {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    [MESH_ERROR_HEADER]: cause,
  };
  if (options?.policy) headers[MESH_POLICY_HEADER] = options.policy;
  res.writeHead(status, headers);
  res.end(body);
  return status;
}

/** A failure the request path did not expect: a 502 that says so, or a cut connection once the answer has begun. */
export function answerUnexpectedError(res: ServerResponse, error: unknown): void {
  if (!res.headersSent) sendMeshError(res, "upstream-reset", `agent error: ${(error as Error).message}`);
  else res.destroy();
}
