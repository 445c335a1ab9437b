import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { outboundTarget, serviceFromHost } from "../../../src/outbound/target.ts";

const request = (url: string, host?: string): IncomingMessage => ({ url, headers: host ? { host } : {} }) as IncomingMessage;

describe("outbound target", () => {
  it("reads proxy-style absolute URIs", () => {
    expect(outboundTarget(request("http://ratings/x?y=1", "ignored"))).toEqual({ host: "ratings", path: "/x?y=1" });
    expect(outboundTarget(request("http://ratings:9080"))).toEqual({ host: "ratings:9080", path: "/" });
    expect(outboundTarget(request("http://ratings?q"))).toEqual({ host: "ratings", path: "/?q" });
    expect(outboundTarget(request("http://user:pw@ratings/a"))).toEqual({ host: "ratings", path: "/a" });
  });

  it("reads the Host header of plain requests", () => {
    expect(outboundTarget(request("/ratings/1", "ratings:9080"))).toEqual({ host: "ratings:9080", path: "/ratings/1" });
    expect(outboundTarget(request("/"))).toBeNull();
  });

  it("names the service from a host, port or DNS suffix", () => {
    expect(serviceFromHost("ratings")).toBe("ratings");
    expect(serviceFromHost("Ratings:9080")).toBe("ratings");
    expect(serviceFromHost("ratings.default.svc.cluster.local:80")).toBe("ratings");
  });
});
