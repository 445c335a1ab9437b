import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

describe("control plane HTTP endpoints", () => {
  it("answers /healthz, /ready and /metrics", async () => {
    const base = mesh.controlPlane.url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).text()).toBe("ready\n");
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/mesh_api_http_requests_total\{route="\/healthz",code="200"\} 1/);
  });

  it("knows the bootstrap admin token", async () => {
    expect(await mesh.admin.auth.whoami.query()).toEqual({ kind: "operator", role: "admin", name: "admin" });
  });

  it("answers 404 for unknown paths", async () => {
    expect((await fetch(`${mesh.controlPlane.url}/nope`)).status).toBe(404);
  });
});
