import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attemptTimeoutMs, deadlineFor } from "../../../src/resilience/timeout.ts";
import { httpCall } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

describe("attempt timeout", () => {
  it("is the per-try timeout cut to what is left of the deadline", () => {
    expect(attemptTimeoutMs(deadlineFor(1000, 0), 300, 0)).toBe(300);
    expect(attemptTimeoutMs(deadlineFor(1000, 0), 300, 900)).toBe(100);
    expect(attemptTimeoutMs(deadlineFor(1000, 0), 0, 400)).toBe(600);
    expect(attemptTimeoutMs(deadlineFor(0, 0), 0, 400)).toBe(0);
    expect(attemptTimeoutMs(deadlineFor(0, 0), 250, 400)).toBe(250);
  });
});

describe("timeouts through the data plane", () => {
  let mesh: SmallMesh;
  beforeAll(async () => {
    mesh = await startSmallMesh([{ version: "v1", respond: (seen) => (seen.url === "/slow" ? { status: 200, delayMs: 3000 } : undefined) }]);
  });
  afterAll(() => mesh.close());

  it("answers 504 timeout in less than twice the timeout", async () => {
    mesh.setPolicy({ timeout: "300ms" });
    const started = performance.now();
    const reply = await httpCall(mesh.outboundPort, "/slow", { headers: { host: "server" } });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(504);
    expect(reply.headers["x-mesh-error"]).toBe("timeout");
    expect(reply.body).toContain("300 ms");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(600);
  });

  it("keeps the whole request within the timeout across per-try timeouts and retries", async () => {
    mesh.setPolicy({ timeout: "500ms", retries: { attempts: 5, perTryTimeout: "150ms", retryOn: ["5xx"], backoff: { base: "1ms", max: "2ms" } } });
    const before = mesh.apps[0]!.seen.filter((s) => s.url === "/slow").length;
    const started = performance.now();
    const reply = await httpCall(mesh.outboundPort, "/slow", { headers: { host: "server" } });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(504);
    expect(reply.headers["x-mesh-error"]).toBe("timeout");
    expect(elapsed).toBeLessThan(1000);
    expect(mesh.apps[0]!.seen.filter((s) => s.url === "/slow").length - before).toBeGreaterThanOrEqual(3);
  });
});
