import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken, hashToken } from "../../src/auth/tokens.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { loadRecordedRequest, otlpRequest, postOtlp, randomSpanId, randomTraceId, registerAgent, spanCount } from "./otlp-helpers.ts";

let mesh: TestControlPlane;
let admin: Record<string, string>;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  admin = { authorization: `Bearer ${mesh.controlPlane.adminToken}` };
});
afterAll(() => mesh?.close());

describe("OTLP/HTTP receiver at POST /v1/traces", () => {
  it("stores what the OpenTelemetry JS exporter sends, as a tree with timings", async () => {
    const body = await loadRecordedRequest(new URL("./fixtures/otel-js-exporter-request.json", import.meta.url));
    const response = await postOtlp(mesh.controlPlane.url, body, admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});

    const trace = await mesh.admin.traces.get.query({ traceId: "2d75ad76a397d0dc1de62126a3154a3a" });
    expect(trace.spanCount).toBe(2);
    expect(trace.roots).toHaveLength(1);
    const root = trace.roots[0]!;
    expect(root).toMatchObject({ name: "root", kind: "server", service: "plain", version: "v7", httpStatus: 200, error: false, depth: 0 });
    expect(root.attributes).toMatchObject({ "http.response.status_code": 200, a: 1.5, b: true, c: ["x", "y"] });
    expect(root.durationMs).toBeCloseTo(1.706071, 5);
    expect(root.children).toHaveLength(1);
    expect(root.children[0]).toMatchObject({ name: "child", kind: "internal", error: true, depth: 1, offsetMs: 0 });
    expect(trace.durationMs).toBeCloseTo(1.706, 2);
  });

  it("takes a gzip-compressed body, and a retried batch stores each span once", async () => {
    const traceId = randomTraceId();
    const request = JSON.stringify(otlpRequest("gz", [{ traceId, spanId: randomSpanId(), name: "GET /", startMs: Date.now(), durationMs: 3, status: 200 }]));
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await postOtlp(mesh.controlPlane.url, gzipSync(request), { ...admin, "content-encoding": "gzip" });
      expect(response.status).toBe(200);
    }
    expect((await mesh.admin.traces.get.query({ traceId })).spanCount).toBe(1);
  });

  it("refuses a malformed body with 400 naming the field, and stores none of its spans", async () => {
    const before = await spanCount(mesh);
    const now = Date.now();
    const good = { traceId: randomTraceId(), spanId: randomSpanId(), name: "ok", startMs: now, durationMs: 1 };
    const request = otlpRequest("bad", [good, { ...good, spanId: randomSpanId(), traceId: "not-hex" }]);
    const response = await postOtlp(mesh.controlPlane.url, JSON.stringify(request), admin);
    expect(response.status).toBe(400);
    const { message } = (await response.json()) as { message: string };
    expect(message).toMatch(/resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\.traceId: must be 32 hex digits/);
    expect(message).toMatch(/nothing stored/);

    const backwards = otlpRequest("bad", [{ ...good, spanId: randomSpanId(), durationMs: -5 }]);
    const reversed = await postOtlp(mesh.controlPlane.url, JSON.stringify(backwards), admin);
    expect(reversed.status).toBe(400);
    expect(((await reversed.json()) as { message: string }).message).toMatch(/endTimeUnixNano is before startTimeUnixNano/);

    const notJson = await postOtlp(mesh.controlPlane.url, '{"resourceSpans": [', admin);
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/not valid JSON/);
    expect(await spanCount(mesh)).toBe(before);
  });

  it("answers 413 to a body over 4 MiB and 415 to protobuf", async () => {
    const before = await spanCount(mesh);
    const huge = JSON.stringify({ resourceSpans: [], padding: "x".repeat(5 * 1024 * 1024) });
    const tooLarge = await postOtlp(mesh.controlPlane.url, huge, admin);
    expect(tooLarge.status).toBe(413);
    const protobuf = await postOtlp(mesh.controlPlane.url, Buffer.from([0x0a, 0x00]), { ...admin, "content-type": "application/x-protobuf" });
    expect(protobuf.status).toBe(415);
    expect(((await protobuf.json()) as { message: string }).message).toMatch(/send OTLP\/JSON/);
    expect(await spanCount(mesh)).toBe(before);
  });

  it("needs a token that may write: 401 without, 403 for a viewer, 403 for an agent writing another service's spans", async () => {
    const request = (service: string) =>
      JSON.stringify(otlpRequest(service, [{ traceId: randomTraceId(), spanId: randomSpanId(), name: "x", startMs: Date.now(), durationMs: 1 }]));
    expect((await postOtlp(mesh.controlPlane.url, request("a"))).status).toBe(401);
    expect((await postOtlp(mesh.controlPlane.url, request("a"), { authorization: "Bearer mesh_op_wrong" })).status).toBe(401);

    const viewer = generateToken("op");
    await mesh.controlPlane.deps.prisma.operatorToken.create({ data: { name: "watcher", role: "viewer", tokenHash: hashToken(viewer), createdBy: "test" } });
    const asViewer = await postOtlp(mesh.controlPlane.url, request("a"), { authorization: `Bearer ${viewer}` });
    expect(asViewer.status).toBe(403);
    expect(((await asViewer.json()) as { message: string }).message).toMatch(/watcher is a viewer/);

    const credential = await registerAgent(mesh, "reviews");
    const foreign = await postOtlp(mesh.controlPlane.url, request("ratings"), { authorization: `Bearer ${credential}` });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { message: string }).message).toMatch(/service reviews may only write its own spans, not those of ratings/);
    expect((await postOtlp(mesh.controlPlane.url, request("reviews"), { authorization: `Bearer ${credential}` })).status).toBe(200);
    expect((await postOtlp(mesh.controlPlane.url, request("plain-app"), { authorization: `Bearer ${mesh.controlPlane.joinToken}` })).status).toBe(200);
  });
});
