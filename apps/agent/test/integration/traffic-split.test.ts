import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promtoolProblems } from "../../../api/test/telemetry/promtool.ts";
import { countBy, MeshHarness, outcome, sendMany, servedVersion, type ServiceInstance } from "./harness.ts";


let mesh: MeshHarness;
let caller: ServiceInstance;
const served: Record<string, number> = {};

beforeAll(async () => {
  mesh = await MeshHarness.start();
  await mesh.apply(`
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  loadBalancer: round-robin
  routes:
    - match: { headers: { x-user: jason } }
      backends: [{ version: v2, weight: 100 }]
    - backends: [{ version: v1, weight: 90 }, { version: v2, weight: 10 }]
`);
  [caller] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1"), mesh.startInstance("reviews", "v2")]);
  await mesh.waitForEndpoints(caller, "reviews", { v1: 1, v2: 1 });
});

afterAll(() => mesh?.close());

describe("traffic split", () => {
  it("sends 90/10 of 2000 requests to v1/v2, within ±3 points", async () => {
    const responses = await sendMany(caller, "reviews", 2000, { concurrency: 16 });
    expect(countBy(responses, outcome)).toEqual({ "200": 2000 });
    const versions = countBy(responses, (r) => r.json<{ version: string }>().version);
    Object.assign(served, versions);
    const v1Percent = ((versions.v1 ?? 0) / 2000) * 100;
    console.info(`traffic split measured: v1 ${v1Percent.toFixed(1)} % / v2 ${(100 - v1Percent).toFixed(1)} % of 2000 requests`);
    expect(v1Percent).toBeGreaterThanOrEqual(87);
    expect(v1Percent).toBeLessThanOrEqual(93);
  });

  it("lets a header route override the split", async () => {
    const responses = await sendMany(caller, "reviews", 200, { headers: { "x-user": "jason" } });
    expect(countBy(responses, servedVersion)).toEqual({ "200 v2": 200 });
  });
});

describe("caller metrics", () => {
  it("counts every proxied request per destination version in /metrics, in a format promtool accepts", async () => {
    const text = await (await caller.adminGet("/metrics")).text();
    const total = (version: string) =>
      text
        .split("\n")
        .find((line) => line.startsWith("mesh_requests_total{") && line.includes('direction="outbound"') && line.includes('destination="reviews"') && line.includes(`destination_version="${version}"`) && line.includes('code="200"'));
    // The split test's requests, plus the 200 header-routed ones to v2.
    expect(total("v1")).toMatch(new RegExp(` ${served.v1}$`));
    expect(total("v2")).toMatch(new RegExp(` ${(served.v2 ?? 0) + 200}$`));
    expect(promtoolProblems(text)).toBe("");
  });
});
