import type { IncomingHttpHeaders } from "node:http";

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus Proxy-* handled below. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"]);

/**
 * Removes hop-by-hop headers in place: the fixed set, every Proxy-* header, and the headers named
 * by Connection. Works on Node's per-message headers object, which is ours to change.
 */
export function stripHopByHop(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const name of connection.split(",")) {
      const trimmed = name.trim().toLowerCase();
      if (trimmed) delete headers[trimmed];
    }
  }
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || name.startsWith("proxy-")) delete headers[name];
  }
}

/**
 * Removes what only the mesh may say: x-mesh-* and x-forwarded-client-cert. An app (or a plaintext
 * caller) cannot claim an identity or an agent decision by sending them.
 */
export function stripMeshHeaders(headers: IncomingHttpHeaders): void {
  for (const name in headers) {
    if (name.startsWith("x-mesh-") || name === "x-forwarded-client-cert") delete headers[name];
  }
}

/** Appends the client address to x-forwarded-for and records the original protocol and host. */
export function setForwardedHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined, proto: string, host: string | undefined): void {
  if (clientAddress) {
    const previous = headers["x-forwarded-for"];
    headers["x-forwarded-for"] = previous ? `${previous}, ${clientAddress}` : clientAddress;
  }
  if (headers["x-forwarded-proto"] === undefined) headers["x-forwarded-proto"] = proto;
  if (host !== undefined && headers["x-forwarded-host"] === undefined) headers["x-forwarded-host"] = host;
}

/**
 * Response headers from upstream's raw list, without hop-by-hop ones, in the flat [name, value, ...]
 * form writeHead accepts, so no object is built for them.
 */
export function forwardableRawHeaders(raw: readonly string[]): string[] {
  let connectionTokens: string[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === "connection") {
      connectionTokens = raw[i + 1]!.toLowerCase().split(",").map((token) => token.trim());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith("proxy-") || (connectionTokens !== null && connectionTokens.includes(lower))) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}
