import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { DEFAULT_MESH_CONFIG, type AgentSnapshot } from "@mesh/shared";
import { AgentState } from "../../src/state.ts";
import { startTelemetry } from "../../src/telemetry/index.ts";
import { requestRecord } from "./record-fixture.ts";

const exported: { names: string[]; authorization: string | undefined }[] = [];
const collector = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    if (req.url === "/v1/traces") {
      const spans = (JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans;
      exported.push({ names: spans.map((s) => s.name), authorization: req.headers.authorization });
    }
    res.writeHead(200, { "content-type": "application/json" }).end(req.url?.startsWith("/trpc") ? '{"result":{"data":null}}' : "{}");
  });
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => void collector.close());

describe("which hops keep their span", () => {
  it("sampled ones, and whatever the rate the failed and the slow ones (tracing.slowThreshold, 1s when absent), with the agent's credential", async () => {
    const state = new AgentState("a", "v1");
    const telemetry = startTelemetry(state, { controlPlaneUrl: url, credential: () => "mesh_agent_secret", accessLog: false, spanDelayMs: 50 });
    try {
      const record = (path: string, overrides: Parameters<typeof requestRecord>[0] = {}) => state.record(requestRecord({ path, sampled: false, durationMs: 5, ...overrides }));
      record("/sampled", { sampled: true });
      record("/fast-ok");
      record("/404", { status: 404 });
      record("/503", { status: 503 });
      record("/agent-error", { status: 504, cause: "timeout" });
      record("/client-gone", { status: 0 });
      record("/slow", { durationMs: 1500 });
      record("/not-quite-slow", { durationMs: 900 });
      await telemetry.flush();
      state.snapshot = { meshConfig: { ...DEFAULT_MESH_CONFIG, tracing: { sampling: 0.01, slowThreshold: "100ms" } } } as unknown as AgentSnapshot;
      record("/slow-by-config", { durationMs: 150 });
      record("/fast-by-config", { durationMs: 50 });
      await telemetry.flush();
      await waitFor(() => exported.flatMap((e) => e.names).includes("GET /slow-by-config"), { what: "the second batch" });
      expect(exported.flatMap((e) => e.names).sort()).toEqual(
        ["/503", "/agent-error", "/client-gone", "/sampled", "/slow", "/slow-by-config"].map((p) => `GET ${p}`).sort(),
      );
      expect(new Set(exported.map((e) => e.authorization))).toEqual(new Set(["Bearer mesh_agent_secret"]));
    } finally {
      await telemetry.close();
    }
  });
});
