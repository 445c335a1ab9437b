/** What a failed request means, in words people can act on; never a JSON parser's complaint. */

/** A response that was not the API's JSON (a proxy's error page): its status, kept so the error can say it. */
export class NotApiResponseError extends Error {
  constructor(readonly httpStatus: number, statusText: string) {
    super(`HTTP ${httpStatus} ${statusText}`.trim());
    this.name = "NotApiResponseError";
  }
}

/** fetch for the tRPC link: a non-JSON error answer becomes a NotApiResponseError instead of a JSON parse failure. */
export async function apiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (!response.ok && !(response.headers.get("content-type") ?? "").includes("json")) throw new NotApiResponseError(response.status, response.statusText);
  return response;
}

interface ErrorLike {
  message?: string;
  cause?: unknown;
  data?: { httpStatus?: number; code?: string } | null;
  meta?: { response?: { status?: number; statusText?: string } } | null;
}

const STATUS_TEXT: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** The HTTP status behind an error, from the API's error shape or from the raw response when the body was not JSON. */
export function httpStatusOf(error: unknown): number | null {
  const e = error as ErrorLike | null;
  const cause = e?.cause instanceof NotApiResponseError ? e.cause.httpStatus : null;
  return e?.data?.httpStatus ?? e?.meta?.response?.status ?? cause ?? null;
}

export function isUnauthorized(error: unknown): boolean {
  const e = error as ErrorLike | null;
  return httpStatusOf(error) === 401 || e?.data?.code === "UNAUTHORIZED";
}

export function plainError(error: unknown): string {
  if (!error) return "";
  const e = error as ErrorLike;
  const message = e.message ?? String(error);
  const status = httpStatusOf(error);
  if (status === 401) return "Your session has ended; sign in again.";
  if (status !== null && status >= 500) {
    const reason = e.data?.code === "BAD_GATEWAY" || !e.data ? "did not answer" : "failed";
    return `The control plane ${reason} (${status} ${STATUS_TEXT[status] ?? "error"}).${e.data && e.data.code !== "BAD_GATEWAY" ? ` ${message}` : ""}`;
  }
  if (/failed to fetch|networkerror|load failed|network request failed/i.test(message)) {
    return "The dashboard's server cannot be reached: check your connection, or that the dashboard is running.";
  }
  if (/is not valid JSON|Unexpected token|JSON\.parse/i.test(message)) return "The control plane sent an answer the dashboard could not read.";
  return message;
}
