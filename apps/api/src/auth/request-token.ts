import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "mesh_session";
export const CLIENT_HEADER = "x-mesh-client";

/**
 * The bearer token of a request: `Authorization: Bearer …`, or the dashboard's session cookie.
 * A cookie counts only with `x-mesh-client: web`, which a cross-site form cannot send (CSRF defence).
 */
export function tokenFromRequest(req: IncomingMessage): string | null {
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1]! : null;
  }
  if (req.headers[CLIENT_HEADER] !== "web") return null;
  return readCookie(req.headers.cookie, SESSION_COOKIE);
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
