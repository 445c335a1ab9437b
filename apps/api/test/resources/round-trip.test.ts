import { parseResourcesYaml, type Resource } from "@mesh/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { EVERY_FIELD_YAML, trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

async function everything(): Promise<Resource[]> {
  const { admin } = mesh;
  const lists = await Promise.all((["MeshConfig", "TrafficPolicy", "AccessPolicy"] as const).map((kind) => admin.resources.get.query({ kind })));
  return lists.flat();
}

const byKey = (resources: Resource[]) => Object.fromEntries(resources.map((r) => [`${r.kind}/${r.metadata.name}`, r]));

describe("resources.apply → resources.get", () => {
  it("round-trips every field of every kind, defaults filled in", async () => {
    const result = await mesh.admin.resources.applyDocuments.mutate({ yaml: EVERY_FIELD_YAML });
    expect(result.revision).toBe(1);
    expect(result.changes.map((c) => [`${c.kind}/${c.name}`, c.action])).toEqual([
      ["MeshConfig/default", "create"],
      ["TrafficPolicy/reviews", "create"],
      ["TrafficPolicy/ratings", "create"],
      ["AccessPolicy/ratings-readers", "create"],
      ["AccessPolicy/block-legacy", "create"],
      ["AccessPolicy/watch-all", "create"],
    ]);
    const expected = parseResourcesYaml(EVERY_FIELD_YAML);
    expect(byKey(await everything())).toEqual(byKey(expected));
    const [reviews] = await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "reviews" });
    expect(reviews).toEqual(expected[1]);
    expect(reviews!.metadata.labels).toEqual({ tier: "backend", owner: "books" });
    // The defaults the schema adds are stored, so agents and `get` see the same thing.
    expect((await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "ratings" }))[0]!.spec).toEqual({ loadBalancer: "least-request" });
  });

  it("makes no revision when nothing changed", async () => {
    const result = await mesh.admin.resources.applyDocuments.mutate({ yaml: EVERY_FIELD_YAML });
    expect(result.revision).toBeNull();
    expect(result.changes.every((c) => c.action === "unchanged")).toBe(true);
    expect(await mesh.admin.revisions.list.query()).toHaveLength(1);
  });

  it("updates only what differs, recording before and after", async () => {
    const result = await mesh.admin.resources.applyDocuments.mutate({ yaml: `${trafficPolicyYaml("reviews", 50)}---\n${trafficPolicyYaml("details", 100)}` });
    expect(result.revision).toBe(2);
    expect(result.changes.map((c) => [c.name, c.action])).toEqual([["reviews", "update"], ["details", "create"]]);
    const reviews = result.changes[0]!;
    expect(reviews.before).toEqual(parseResourcesYaml(EVERY_FIELD_YAML)[1]);
    expect(reviews.after).toEqual(parseResourcesYaml(trafficPolicyYaml("reviews", 50))[0]);
    expect((await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "reviews" }))[0]!.spec).toEqual({
      routes: [{ backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] }],
      loadBalancer: "least-request",
    });
    // Resources not in the input are left alone.
    expect((await mesh.admin.resources.get.query({ kind: "AccessPolicy" })).map((r) => r.metadata.name)).toEqual(["block-legacy", "ratings-readers", "watch-all"]);
  });

  it("accepts parsed documents as well as YAML", async () => {
    const documents = [{ apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "productpage" }, spec: { timeout: "3s" } }];
    const result = await mesh.admin.resources.applyDocuments.mutate({ documents });
    expect(result.changes).toMatchObject([{ kind: "TrafficPolicy", name: "productpage", action: "create" }]);
    expect((await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "productpage" }))[0]!.spec).toEqual({ timeout: "3s", loadBalancer: "least-request" });
  });

  it("deletes a resource as a revision, and says when there is none", async () => {
    const result = await mesh.admin.resources.delete.mutate({ kind: "TrafficPolicy", name: "details" });
    expect(result.changes).toMatchObject([{ name: "details", action: "delete", after: null }]);
    expect(await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "details" })).toEqual([]);
    const revision = await mesh.admin.revisions.get.query({ id: result.revision });
    expect(revision).toMatchObject({ operation: "delete", actor: "admin (admin)" });
    await expect(mesh.admin.resources.delete.mutate({ kind: "TrafficPolicy", name: "details" })).rejects.toMatchObject({
      message: "TrafficPolicy/details not found",
      data: { code: "NOT_FOUND", httpStatus: 404 },
    });
  });
});
