import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../../src/root.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

async function rejection(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

describe("invalid resources", () => {
  it("are refused whole, with the document, field and reason, and nothing is written", async () => {
    const badWeights = trafficPolicyYaml("reviews", 90).replace("weight: 10", "weight: 20");
    const yaml = `${trafficPolicyYaml("ratings", 100)}---\n${badWeights}`;
    const error = await rejection(mesh.admin.resources.applyDocuments.mutate({ yaml }));
    expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    expect(error.message).toContain("document 2 (TrafficPolicy/reviews): spec.routes[0].backends: weights sum to 110, must be 100");
    expect(error.data?.issues).toEqual([
      { document: 2, resource: "TrafficPolicy/reviews", field: "spec.routes[0].backends", message: "weights sum to 110, must be 100" },
    ]);
    // The valid first document was not applied either.
    expect(await mesh.admin.resources.get.query({ kind: "TrafficPolicy" })).toEqual([]);
    expect(await mesh.admin.revisions.list.query()).toEqual([]);
  });

  it("names unknown fields and wrong kinds in parsed documents", async () => {
    const documents = [
      { apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "reviews" }, spec: { timeout: "2 seconds" } },
      { apiVersion: "mesh/v1", kind: "Gateway", metadata: { name: "edge" }, spec: {} },
    ];
    const error = await rejection(mesh.admin.resources.applyDocuments.mutate({ documents }));
    const issues = error.data?.issues ?? [];
    expect(issues.map((i) => [i.document, i.field])).toEqual([
      [1, "spec.timeout"],
      [2, "kind"],
    ]);
    expect(issues[0]!.message).toContain('must be a duration like "500ms"');
    expect(await mesh.admin.resources.get.query({ kind: "TrafficPolicy" })).toEqual([]);
  });

  it("reports YAML syntax errors with their line", async () => {
    const error = await rejection(mesh.admin.resources.applyDocuments.mutate({ yaml: "apiVersion: mesh/v1\nkind: [unclosed\n" }));
    expect(error.message).toMatch(/document 1: line \d+: invalid YAML/);
  });

  it("refuses an empty input and bad procedure input with field paths", async () => {
    expect((await rejection(mesh.admin.resources.applyDocuments.mutate({ documents: [] }))).message).toContain("no resources in input");
    const bad = await rejection(mesh.admin.resources.get.query({ kind: "Gateway" as never }));
    expect(bad.data).toMatchObject({ code: "BAD_REQUEST", fieldErrors: [{ field: "kind", message: "must be one of MeshConfig, TrafficPolicy, AccessPolicy" }] });
    expect(bad.message).toBe("kind: must be one of MeshConfig, TrafficPolicy, AccessPolicy");
  });
});
