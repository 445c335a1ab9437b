import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { forwardableRawHeaders, setForwardedHeaders, stripHopByHop, stripMeshHeaders } from "../../../src/endpoint/hop-by-hop.ts";

describe("hop-by-hop headers", () => {
  it("removes the fixed set, Proxy-*, and what Connection names", () => {
    const headers: IncomingHttpHeaders = {
      connection: "keep-alive, X-Session-Hop",
      "keep-alive": "timeout=5",
      "proxy-authorization": "Basic x",
      "proxy-connection": "keep-alive",
      te: "trailers",
      trailer: "x-checksum",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      "x-session-hop": "1",
      "x-keep": "yes",
      accept: "*/*",
    };
    stripHopByHop(headers);
    expect(headers).toEqual({ "x-keep": "yes", accept: "*/*" });
  });

  it("removes x-mesh-* and x-forwarded-client-cert so callers cannot claim an identity", () => {
    const headers: IncomingHttpHeaders = { "x-mesh-source": "admin", "x-mesh-error": "denied", "x-forwarded-client-cert": "URI=spiffe://x", "x-meshy": "kept" };
    stripMeshHeaders(headers);
    expect(headers).toEqual({ "x-meshy": "kept" });
  });

  it("appends to x-forwarded-for and keeps an existing proto and host", () => {
    const fresh: IncomingHttpHeaders = {};
    setForwardedHeaders(fresh, "127.0.0.1", "http", "ratings");
    expect(fresh).toEqual({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-host": "ratings" });
    const chained: IncomingHttpHeaders = { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https", "x-forwarded-host": "shop.example" };
    setForwardedHeaders(chained, "10.0.0.2", "http", "ratings");
    expect(chained).toEqual({ "x-forwarded-for": "203.0.113.9, 10.0.0.2", "x-forwarded-proto": "https", "x-forwarded-host": "shop.example" });
  });

  it("filters response raw headers keeping case and order", () => {
    const raw = ["Content-Type", "text/plain", "Connection", "close, X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked", "Set-Cookie", "a=1", "Set-Cookie", "b=2"];
    expect(forwardableRawHeaders(raw)).toEqual(["Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
  });
});
