/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1); Proxy-* and Connection-listed ones too. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection"]);

/**
 * What the agent needs from a request head, read in one pass over Node's rawHeaders (so Node never
 * builds its lowercased headers object on the hot path), and the headers to forward: hop-by-hop
 * removed, and mesh-only ones removed (x-mesh-*, x-forwarded-client-cert: an app or a plaintext
 * caller cannot claim an identity or an agent decision). Host, traceparent, X-Forwarded-* and
 * Forwarded are left out too: the agent writes its own (see appendForwarded).
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
  forwardedProto: string | undefined;
  forwardedHost: string | undefined;
  /** `Expect: 100-continue`: the client waits for an interim answer before it sends the body. */
  expectsContinue: boolean;
  /** The Upgrade header's value (hop-by-hop, so not in `forward`; a WebSocket upgrade puts it back). */
  upgrade: string | undefined;
}

export function readRequestHead(raw: readonly string[]): RequestHead {
  const head: RequestHead = {
    forward: [],
    host: undefined,
    traceparent: undefined,
    contentLength: undefined,
    chunked: false,
    forwardedFor: undefined,
    forwardedProto: undefined,
    forwardedHost: undefined,
    expectsContinue: false,
    upgrade: undefined,
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
        head.forwardedProto = value;
        continue;
      case "x-forwarded-host":
        head.forwardedHost = value;
        continue;
      case "x-forwarded-client-cert":
      case "forwarded":
        continue;
      case "upgrade":
        head.upgrade = value;
        continue;
      case "expect":
        head.expectsContinue = value.toLowerCase() === "100-continue";
        break;
      default:
        if (HOP_BY_HOP.has(name) || name.startsWith("proxy-") || name.startsWith("x-mesh-")) continue;
    }
    head.forward.push(raw[i]!, value);
  }
  if (connectionTokens !== null) head.forward = withoutNames(head.forward, connectionTokens);
  return head;
}

/**
 * Who sent the request to this agent, which decides what of its X-Forwarded-* the agent believes:
 * - "app": the local app, where a request enters the mesh: X-Forwarded-For is appended to, -Proto and
 *   -Host describe this hop;
 * - "peer": another agent over mTLS: what it set is kept, and X-Forwarded-For appended to;
 * - "outside": a plaintext caller (permissive mode), which can claim anything: all three are replaced.
 * RFC 7239 `Forwarded` is never passed on: the mesh keeps X-Forwarded-*, and a stale copy would contradict it.
 */
export type ForwardedTrust = "app" | "peer" | "outside";

export function appendForwarded(head: RequestHead, clientAddress: string | undefined, proto: string, host: string | undefined, from: ForwardedTrust): void {
  const forward = head.forward;
  const previous = from === "outside" ? undefined : head.forwardedFor;
  if (clientAddress !== undefined) forward.push("X-Forwarded-For", previous === undefined ? clientAddress : `${previous}, ${clientAddress}`);
  else if (previous !== undefined) forward.push("X-Forwarded-For", previous);
  const keep = from === "peer";
  forward.push("X-Forwarded-Proto", keep && head.forwardedProto !== undefined ? head.forwardedProto : proto);
  const forwardedHost = keep && head.forwardedHost !== undefined ? head.forwardedHost : host;
  if (forwardedHost !== undefined) forward.push("X-Forwarded-Host", forwardedHost);
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

export function withoutNames(flat: string[], lowercaseNames: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (!lowercaseNames.includes(flat[i]!.toLowerCase())) out.push(flat[i]!, flat[i + 1]!);
  return out;
}

/** The `timeout=N` of a Keep-Alive response header, in ms; null when absent. */
export function keepAliveTimeoutMs(raw: readonly string[]): number | null {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== "keep-alive") continue;
    const match = /(?:^|[\s,])timeout=(\d+)/i.exec(raw[i + 1]!);
    if (match) return Number(match[1]) * 1000;
  }
  return null;
}

/**
 * Puts back the hop-by-hop fields of a WebSocket upgrade that the stages let through (RFC 6455 §4.1);
 * other upgrades (h2c) are ignored, as RFC 9110 §7.8 allows, and the request is served as HTTP/1.1.
 */
export function keepWebSocketUpgrade(head: RequestHead, upgradeRequested: boolean): boolean {
  if (!upgradeRequested || head.upgrade === undefined || head.upgrade.trim().toLowerCase() !== "websocket") return false;
  head.forward.push("Connection", "Upgrade", "Upgrade", head.upgrade);
  return true;
}
