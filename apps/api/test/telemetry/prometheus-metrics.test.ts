import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { otlpRequest, postOtlp, randomSpanId, randomTraceId } from "./otlp-helpers.ts";
import { promtoolProblems } from "./promtool.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

describe("control plane /metrics", () => {
  it("passes promtool check metrics after serving OTLP and tRPC traffic", async () => {
    const spans = otlpRequest("a", [{ traceId: randomTraceId(), spanId: randomSpanId(), name: "GET /", startMs: Date.now(), durationMs: 1 }]);
    expect((await postOtlp(mesh.controlPlane.url, JSON.stringify(spans), { authorization: `Bearer ${mesh.controlPlane.adminToken}` })).status).toBe(200);
    expect((await postOtlp(mesh.controlPlane.url, "{")).status).toBe(401);
    await mesh.admin.traces.list.query({});
    const text = await (await fetch(`${mesh.controlPlane.url}/metrics`)).text();
    expect(text).toMatch(/mesh_api_http_requests_total\{route="\/v1\/traces",code="200"\} 1/);
    expect(promtoolProblems(text)).toBe("");
  });
});
