/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1); Proxy-* and Connection-listed ones too. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"]);

/**
 * What the agent needs from a request head, read in one pass over Node's rawHeaders (so Node never
 * builds its lowercased headers object on the hot path), and the headers to forward: hop-by-hop
 * removed, and mesh-only ones removed (x-mesh-*, x-forwarded-client-cert: an app or a plaintext
 * caller cannot claim an identity or an agent decision). Host, traceparent and X-Forwarded-For
 * are left out too: the agent writes its own (see appendForwarded).
 */
export interface RequestHead {
  /** Flat [name, value, …] as http.request accepts it. */
  forward: string[];
  host: string | undefined;
  traceparent: string | undefined;
  contentLength: string | undefined;
  /** A Transfer-Encoding was sent: a body of unknown length follows. */
  chunked: boolean;
  forwardedFor: string | undefined;
  forwardedProto: boolean;
  forwardedHost: boolean;
}

export function readRequestHead(raw: readonly string[]): RequestHead {
  const head: RequestHead = {
    forward: [],
    host: undefined,
    traceparent: undefined,
    contentLength: undefined,
    chunked: false,
    forwardedFor: undefined,
    forwardedProto: false,
    forwardedHost: false,
  };
  let connectionTokens: string[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    switch (name) {
      case "host":
        head.host = value;
        continue;
      case "traceparent":
        head.traceparent = value;
        continue;
      case "x-forwarded-for":
        head.forwardedFor = head.forwardedFor === undefined ? value : `${head.forwardedFor}, ${value}`;
        continue;
      case "content-length":
        head.contentLength = value;
        break;
      case "transfer-encoding":
        head.chunked = true;
        continue;
      case "connection":
        connectionTokens = connectionListed(value, connectionTokens);
        continue;
      case "x-forwarded-proto":
        head.forwardedProto = true;
        break;
      case "x-forwarded-host":
        head.forwardedHost = true;
        break;
      case "x-forwarded-client-cert":
        continue;
      default:
        if (HOP_BY_HOP.has(name) || name.startsWith("proxy-") || name.startsWith("x-mesh-")) continue;
    }
    head.forward.push(raw[i]!, value);
  }
  if (connectionTokens !== null) head.forward = withoutNames(head.forward, connectionTokens);
  return head;
}

/** Adds X-Forwarded-For (appending the client), and -Proto / -Host unless an earlier proxy set them. */
export function appendForwarded(head: RequestHead, clientAddress: string | undefined, proto: string, host: string | undefined): void {
  const forward = head.forward;
  if (clientAddress !== undefined) forward.push("X-Forwarded-For", head.forwardedFor === undefined ? clientAddress : `${head.forwardedFor}, ${clientAddress}`);
  else if (head.forwardedFor !== undefined) forward.push("X-Forwarded-For", head.forwardedFor);
  if (!head.forwardedProto) forward.push("X-Forwarded-Proto", proto);
  if (!head.forwardedHost && host !== undefined) forward.push("X-Forwarded-Host", host);
}

/** Whether the request carries a body at all (RFC 9112 §6.3: a length or a transfer coding). */
export function hasBody(head: RequestHead): boolean {
  return head.contentLength !== undefined ? head.contentLength !== "0" : head.chunked;
}

/**
 * Response headers from upstream's raw list, without hop-by-hop ones, in the flat [name, value, ...]
 * form writeHead accepts, so no object is built for them.
 */
export function forwardableRawHeaders(raw: readonly string[]): string[] {
  let connectionTokens: string[] | null = null;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "connection") connectionTokens = connectionListed(raw[i + 1]!, connectionTokens);
    else if (!HOP_BY_HOP.has(name) && !name.startsWith("proxy-")) out.push(raw[i]!, raw[i + 1]!);
  }
  return connectionTokens === null ? out : withoutNames(out, connectionTokens);
}

/** Header names a Connection header lists besides the usual keep-alive / close; null when none. */
function connectionListed(value: string, previous: string[] | null): string[] | null {
  let tokens = previous;
  for (const token of value.split(",")) {
    const name = token.trim().toLowerCase();
    if (name === "" || name === "keep-alive" || name === "close") continue;
    (tokens ??= []).push(name);
  }
  return tokens;
}

function withoutNames(flat: string[], lowercaseNames: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (!lowercaseNames.includes(flat[i]!.toLowerCase())) out.push(flat[i]!, flat[i + 1]!);
  return out;
}
