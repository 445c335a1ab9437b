import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendMeshError, statusFor, type MeshErrorCause } from "../../src/errors.ts";
import { httpCall } from "../support/mesh-fixture.ts";

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
    };
    for (const [cause, status] of Object.entries(expected)) expect(statusFor(cause as MeshErrorCause)).toBe(status);
    expect(statusFor("fault-abort", 418)).toBe(418);
  });

  describe("on the wire", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === "/denied") sendMeshError(res, "denied", "denied by ratings-readers: reviews → ratings GET /", { policy: "ratings-readers" });
        else sendMeshError(res, "fault-abort", "injected", { status: 418 });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    it("carries the cause header, the policy and a one-line body", async () => {
      const reply = await httpCall(port, "/denied");
      expect(reply.status).toBe(403);
      expect(reply.headers["x-mesh-error"]).toBe("denied");
      expect(reply.headers["x-mesh-policy"]).toBe("ratings-readers");
      expect(reply.body).toBe("denied: denied by ratings-readers: reviews → ratings GET /\n");
    });

    it("uses the fault policy's status for fault-abort", async () => {
      const reply = await httpCall(port, "/abort");
      expect(reply.status).toBe(418);
      expect(reply.headers["x-mesh-error"]).toBe("fault-abort");
      expect(reply.headers["x-mesh-policy"]).toBeUndefined();
    });
  });
});
