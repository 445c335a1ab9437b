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
  | "invalid-path"
  | "client-timeout"
  | "connect-refused";

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
  "client-timeout": 408,
  "connect-refused": 405,
};

export const MESH_ERROR_HEADER = "x-mesh-error";
/** The AccessPolicy that decided a denial; absent when MeshConfig.defaultAccess decided. */
export const MESH_POLICY_HEADER = "x-mesh-policy";

export function statusFor(cause: MeshErrorCause, statusOverride?: number): number {
  return statusOverride ?? STATUS[cause];
}

export interface MeshErrorAnswer {
  status: number;
  /** Flat [name, value, …]. */
  headers: string[];
  body: string;
}

/** The agent's own answer for a cause: status, x-mesh-error (and x-mesh-policy), and a one-line body saying what happened. */
export function meshErrorAnswer(cause: MeshErrorCause, message: string, options?: { status?: number; policy?: string | null }): MeshErrorAnswer {
  const body = `${cause}: ${message}\n`;
  const headers = ["content-type", "text/plain; charset=utf-8", "content-length", String(Buffer.byteLength(body)), MESH_ERROR_HEADER, cause];
  if (options?.policy) headers.push(MESH_POLICY_HEADER, options.policy);
  return { status: statusFor(cause, options?.status), headers, body };
}
