import { Prisma } from "./generated/client.ts";

/** Prisma's codes for "no usable connection": unreachable, timed out, connection closed, pool exhausted. */
const UNAVAILABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);
/** What node-postgres says when a connection died under a query (Prisma passes these through unwrapped). */
const CONNECTION_LOST = /Client has encountered a connection error and is not queryable|Connection terminated/;

interface AdapterErrorMeta {
  driverAdapterError?: { cause?: { kind?: string; originalCode?: string } };
}

/**
 * Whether `error` says the database cannot be used right now (down, restarting, unreachable) rather than that the
 * request was wrong. SQLSTATE class 08 is a connection exception, 57P an operator shutdown or a server starting up.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (UNAVAILABLE_CODES.has(error.code)) return true;
    const cause = (error.meta as AdapterErrorMeta | undefined)?.driverAdapterError?.cause;
    if (cause?.kind && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) return true;
    return unavailableSqlState(cause?.originalCode);
  }
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (SOCKET_ERRORS.has(code) || unavailableSqlState(code))) return true;
  return CONNECTION_LOST.test(error.message) || isDatabaseUnavailable(error.cause);
}

function unavailableSqlState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith("08") || code.startsWith("57P"));
}
