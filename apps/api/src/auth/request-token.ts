import type { IncomingMessage } from "node:http";
import { SESSION_PREFIX } from "./sessions.ts";

export const SESSION_COOKIE = "mesh_session";
export const CLIENT_HEADER = "x-mesh-client";

/**
 * The bearer token of a request: `Authorization: Bearer …`, or the dashboard's session cookie.
 * A cookie counts only with `x-mesh-client: web`, which a cross-site form cannot send (CSRF defence),
 * and only when it holds a session secret: a token put in the cookie itself is no credential.
 */
export function tokenFromRequest(req: IncomingMessage): string | null {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1]! : null;
  }
  if (req.headers[CLIENT_HEADER] !== "web") return null;
  const session = readCookie(req.headers.cookie, SESSION_COOKIE);
  return session?.startsWith(SESSION_PREFIX) ? session : null;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeCookieValue(rest.join("="));
  }
  return null;
}

/** A malformed percent-encoding is no token (401), not a failure of the request (500). */
function decodeCookieValue(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Where the request's connection comes from: `::ffff:10.0.0.1` is 10.0.0.1. */
export function sourceAddress(req: IncomingMessage): string | null {
  const address = req.socket.remoteAddress;
  if (!address) return null;
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice("::ffff:".length) : address;
}
