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

  it("appends to X-Forwarded-For and keeps an existing proto and host", () => {
    const fresh = readRequestHead([]);
    appendForwarded(fresh, "127.0.0.1", "http", "ratings");
    expect(fresh.forward).toEqual(["X-Forwarded-For", "127.0.0.1", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "ratings"]);
    const chained = readRequestHead(["X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "shop.example"]);
    appendForwarded(chained, "10.0.0.2", "http", "ratings");
    expect(chained.forward).toEqual(["X-Forwarded-Proto", "https", "X-Forwarded-Host", "shop.example", "X-Forwarded-For", "203.0.113.9, 10.0.0.2"]);
  });
});

describe("response headers", () => {
  it("filters raw headers keeping case and order", () => {
    const raw = ["Content-Type", "text/plain", "Connection", "close, X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked", "Set-Cookie", "a=1", "Set-Cookie", "b=2"];
    expect(forwardableRawHeaders(raw)).toEqual(["Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
  });
});
