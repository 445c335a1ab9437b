import { describe, expect, it } from "vitest";
import { meshErrorAnswer, statusFor, type MeshErrorCause } from "../../src/errors.ts";

describe("mesh errors", () => {
  it("maps each cause to its status", () => {
    const expected: Record<MeshErrorCause, number> = {
      "unknown-service": 503,
      "no-route": 404,
      "no-healthy-endpoints": 503,
      "circuit-open": 503,
      overloaded: 503,
      timeout: 504,
      denied: 403,
      "rate-limited": 429,
      "upstream-connect": 502,
      "upstream-reset": 502,
      "fault-abort": 503,
      "invalid-path": 400,
      "client-timeout": 408,
      "connect-refused": 405,
    };
    for (const [cause, status] of Object.entries(expected)) expect(statusFor(cause as MeshErrorCause)).toBe(status);
    expect(statusFor("fault-abort", 418)).toBe(418);
  });

  it("answers with the cause header, the deciding policy and a one-line body", () => {
    const denied = meshErrorAnswer("denied", "denied by ratings-readers: reviews → ratings GET /", { policy: "ratings-readers" });
    expect(denied.status).toBe(403);
    expect(denied.headers).toEqual(expect.arrayContaining(["x-mesh-error", "denied", "x-mesh-policy", "ratings-readers"]));
    expect(denied.body).toBe("denied: denied by ratings-readers: reviews → ratings GET /\n");
    expect(denied.headers[denied.headers.indexOf("content-length") + 1]).toBe(String(Buffer.byteLength(denied.body)));
  });

  it("uses the fault policy's status for fault-abort, and names no policy", () => {
    const abort = meshErrorAnswer("fault-abort", "injected", { status: 418 });
    expect(abort.status).toBe(418);
    expect(abort.headers).not.toContain("x-mesh-policy");
  });
});
