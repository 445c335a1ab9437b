import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpCall } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

describe("outbound routing, faults and limits", () => {
  let mesh: SmallMesh;
  beforeAll(async () => {
    mesh = await startSmallMesh([{ version: "v1" }, { version: "v2", respond: (seen) => (seen.url === "/hold" ? { status: 200, delayMs: 400 } : undefined) }]);
  });
  afterAll(() => mesh.close());
  const call = (path: string, headers: Record<string, string> = {}) => httpCall(mesh.outboundPort, path, { headers: { host: "server", ...headers } });
  const appOf = (body: string): string => (JSON.parse(body) as { app: string }).app;

  it("sends a request to the first route that matches, by header", async () => {
    mesh.setPolicy({
      routes: [
        { match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
        { backends: [{ version: "v1", weight: 100 }] },
      ],
    });
    expect(appOf((await call("/", { "x-user": "jason" })).body)).toBe("server-v2-1");
    expect(appOf((await call("/")).body)).toBe("server-v1-0");
    expect(mesh.records.findLast((r) => r.direction === "outbound")!).toMatchObject({ destinationVersion: "v1", detail: "route 1" });
  });

  it("answers 404 no-route when routes exist and none matches", async () => {
    mesh.setPolicy({ routes: [{ match: { pathPrefix: "/api" }, backends: [{ version: "v1", weight: 100 }] }] });
    const reply = await call("/other");
    expect(reply.status).toBe(404);
    expect(reply.headers["x-mesh-error"]).toBe("no-route");
  });

  it("answers 503 no-healthy-endpoints for a version with no instance", async () => {
    mesh.setPolicy({ routes: [{ backends: [{ version: "v3", weight: 100 }] }] });
    const reply = await call("/");
    expect(reply.status).toBe(503);
    expect(reply.headers["x-mesh-error"]).toBe("no-healthy-endpoints");
    expect(reply.body).toContain("v3");
  });

  it("shares traffic among every version when the policy has no routes", async () => {
    mesh.setPolicy({ loadBalancer: "round-robin" });
    const apps = new Set<string>();
    for (let i = 0; i < 4; i++) apps.add(appOf((await call("/")).body));
    expect(apps).toEqual(new Set(["server-v1-0", "server-v2-1"]));
  });

  it("injects aborts with the policy's status", async () => {
    mesh.setPolicy({ faults: { abort: { percent: 100, status: 418 } } });
    const reply = await call("/");
    expect(reply.status).toBe(418);
    expect(reply.headers["x-mesh-error"]).toBe("fault-abort");
  });

  it("injects delays", async () => {
    mesh.setPolicy({ faults: { delay: { percent: 100, duration: "200ms" } } });
    const started = performance.now();
    expect((await call("/")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("answers 503 overloaded beyond maxPendingRequests", async () => {
    mesh.setPolicy({ routes: [{ backends: [{ version: "v2", weight: 100 }] }], circuitBreaker: { maxPendingRequests: 2, maxEjectionPercent: 0 } });
    const replies = await Promise.all([call("/hold"), call("/hold"), call("/hold"), call("/hold")]);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    expect(replies.find((r) => r.status === 503)!.headers["x-mesh-error"]).toBe("overloaded");
    // Slots free up once answers are sent.
    expect((await call("/hold")).status).toBe(200);
  });

  it("streams a large request body to the upstream without buffering it for retry", async () => {
    mesh.setPolicy({ routes: [{ backends: [{ version: "v1", weight: 100 }] }], retries: { attempts: 3 } });
    const body = "x".repeat(200 * 1024);
    const big = await httpCall(mesh.outboundPort, "/upload-big", { method: "PUT", headers: { host: "server" }, body });
    expect(big.status).toBe(200);
    expect(mesh.apps[0]!.seen.find((s) => s.url === "/upload-big")!.body.length).toBe(body.length);
  });
});
