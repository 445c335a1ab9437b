import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
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

/**
 * Where the request comes from: the connection's peer (`::ffff:10.0.0.1` is 10.0.0.1), unless that peer is a proxy
 * the operator trusts (MESH_TRUSTED_PROXIES): then the nearest X-Forwarded-For hop that is not a trusted proxy.
 * Anyone else's X-Forwarded-For is ignored: a client cannot claim an address by sending the header.
 */
export function sourceAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string> = new Set()): string | null {
  const peer = req.socket.remoteAddress ? unmapped(req.socket.remoteAddress) : null;
  if (!peer || !trustedProxies.has(peer)) return peer;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((hop) => unmapped(hop.trim())).filter(Boolean);
  for (const hop of hops.reverse()) if (!trustedProxies.has(hop)) return isIP(hop) ? hop : null;
  return peer;
}

/** MESH_TRUSTED_PROXIES: comma-separated IP addresses of proxies whose X-Forwarded-For is believed; a clear error for anything else. */
export function parseTrustedProxies(text: string | undefined): Set<string> {
  const entries = (text ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
  const invalid = entries.filter((entry) => isIP(entry) === 0);
  if (invalid.length) throw new Error(`MESH_TRUSTED_PROXIES: ${invalid.map((e) => `"${e}"`).join(", ")} is not an IP address; give the proxies' addresses, comma-separated`);
  return new Set(entries.map(unmapped));
}

function unmapped(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice("::ffff:".length) : lower;
}
