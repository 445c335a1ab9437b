import { describe, expect, it } from "vitest";
import { outboundTarget, serviceFromHost } from "../../../src/outbound/target.ts";

describe("outbound target", () => {
  it("reads proxy-style absolute URIs", () => {
    expect(outboundTarget("http://ratings/x?y=1", "ignored")).toEqual({ host: "ratings", path: "/x?y=1" });
    expect(outboundTarget("http://ratings:9080", undefined)).toEqual({ host: "ratings:9080", path: "/" });
    expect(outboundTarget("http://ratings?q", undefined)).toEqual({ host: "ratings", path: "/?q" });
    expect(outboundTarget("http://user:pw@ratings/a", undefined)).toEqual({ host: "ratings", path: "/a" });
  });

  it("reads the Host header of plain requests", () => {
    expect(outboundTarget("/ratings/1", "ratings:9080")).toEqual({ host: "ratings:9080", path: "/ratings/1" });
    expect(outboundTarget("/", undefined)).toBeNull();
  });

  it("normalises the path in both forms, and names what it cannot normalise", () => {
    expect(outboundTarget("http://vault/public/../admin", undefined)).toEqual({ host: "vault", path: "/admin" });
    expect(outboundTarget("/public/%2e%2e/admin?x=1", "vault")).toEqual({ host: "vault", path: "/admin?x=1" });
    expect(outboundTarget("/public/%2E%2E%2Fadmin", "vault")).toEqual({ invalid: expect.stringMatching(/encoded slash/) });
  });

  it("names the service from a host, port or DNS suffix", () => {
    expect(serviceFromHost("ratings")).toBe("ratings");
    expect(serviceFromHost("Ratings:9080")).toBe("ratings");
    expect(serviceFromHost("ratings.default.svc.cluster.local:80")).toBe("ratings");
  });
});
