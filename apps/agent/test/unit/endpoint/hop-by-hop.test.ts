import { describe, expect, it } from "vitest";
import { appendForwarded, forwardableRawHeaders, hasBody, readRequestHead } from "../../../src/endpoint/hop-by-hop.ts";

describe("request head", () => {
  it("drops hop-by-hop headers: the fixed set, Proxy-*, and what Connection names", () => {
    const head = readRequestHead([
      "Connection", "keep-alive, X-Session-Hop",
      "Keep-Alive", "timeout=5",
      "Proxy-Authorization", "Basic x",
      "Proxy-Connection", "keep-alive",
      "TE", "trailers",
      "Trailer", "x-checksum",
      "Upgrade", "websocket",
      "X-Session-Hop", "1",
      "X-Keep", "yes",
      "Accept", "*/*",
    ]);
    expect(head.forward).toEqual(["X-Keep", "yes", "Accept", "*/*"]);
  });

  it("drops x-mesh-* and x-forwarded-client-cert so callers cannot claim an identity", () => {
    const head = readRequestHead(["X-Mesh-Source", "admin", "x-mesh-error", "denied", "X-Forwarded-Client-Cert", "URI=spiffe://x", "X-Meshy", "kept"]);
    expect(head.forward).toEqual(["X-Meshy", "kept"]);
  });

  it("reads what the agent needs and leaves the headers it rewrites to it", () => {
    const head = readRequestHead(["Host", "ratings:9080", "traceparent", "00-abc", "Content-Length", "5", "X-Forwarded-For", "203.0.113.9"]);
    expect(head).toMatchObject({ host: "ratings:9080", traceparent: "00-abc", contentLength: "5", chunked: false, forwardedFor: "203.0.113.9" });
    expect(head.forward).toEqual(["Content-Length", "5"]);
    expect(hasBody(head)).toBe(true);
    expect(hasBody(readRequestHead(["Transfer-Encoding", "chunked"]))).toBe(true);
    expect(hasBody(readRequestHead(["Content-Length", "0"]))).toBe(false);
    expect(hasBody(readRequestHead([]))).toBe(false);
  });

  it("at the mesh's entry (the app): appends to X-Forwarded-For and sets -Proto and -Host for this hop", () => {
    const fresh = readRequestHead([]);
    appendForwarded(fresh, "127.0.0.1", "http", "ratings", "app");
    expect(fresh.forward).toEqual(["X-Forwarded-For", "127.0.0.1", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
    const claimed = readRequestHead(["X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example"]);
    appendForwarded(claimed, "127.0.0.1", "http", "ratings", "app");
    expect(claimed.forward).toEqual(["X-Forwarded-For", "203.0.113.9, 127.0.0.1", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
  });

  it("from a peer agent: keeps what it set and appends the peer", () => {
    const chained = readRequestHead(["X-Forwarded-For", "127.0.0.1", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
    appendForwarded(chained, "10.0.0.2", "https", "ratings", "peer");
    expect(chained.forward).toEqual(["X-Forwarded-For", "127.0.0.1, 10.0.0.2", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
  });

  it("from outside the mesh (plaintext): believes none of it", () => {
    const spoofed = readRequestHead(["X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https", "Forwarded", "host=evil.example"]);
    appendForwarded(spoofed, "192.0.2.7", "http", "ratings", "outside");
    expect(spoofed.forward).toEqual(["X-Forwarded-For", "192.0.2.7", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
  });
});

describe("response headers", () => {
  it("filters raw headers keeping case and order", () => {
    const raw = ["Content-Type", "text/plain", "Connection", "close, X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked", "Set-Cookie", "a=1", "Set-Cookie", "b=2"];
    expect(forwardableRawHeaders(raw)).toEqual(["Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
  });
});
