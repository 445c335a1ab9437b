import { parseResourcesYaml } from "@mesh/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { EVERY_FIELD_YAML, trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

async function state() {
  const { admin } = mesh;
  return (await Promise.all((["MeshConfig", "TrafficPolicy", "AccessPolicy"] as const).map((kind) => admin.resources.get.query({ kind })))).flat();
}

describe("revisions", () => {
  it("rollback restores exactly the state after a revision, as a new revision", async () => {
    const { admin } = mesh;
    expect((await admin.resources.applyDocuments.mutate({ yaml: EVERY_FIELD_YAML, message: "first" })).revision).toBe(1);
    const afterFirst = await state();
    expect(afterFirst).toHaveLength(parseResourcesYaml(EVERY_FIELD_YAML).length);

    expect((await admin.resources.applyDocuments.mutate({ yaml: `${trafficPolicyYaml("reviews", 10, { changed: "yes" })}---\n${trafficPolicyYaml("details", 100)}` })).revision).toBe(2);
    expect((await admin.resources.delete.mutate({ kind: "AccessPolicy", name: "block-legacy" })).revision).toBe(3);
    const afterThird = await state();

    const rollback = await admin.revisions.rollback.mutate({ revision: 1 });
    expect(rollback.revision).toBe(4);
    expect(rollback.changes.map((c) => [`${c.kind}/${c.name}`, c.action])).toEqual([
      ["AccessPolicy/block-legacy", "create"],
      ["TrafficPolicy/details", "delete"],
      ["TrafficPolicy/reviews", "update"],
    ]);
    expect(await state()).toEqual(afterFirst);

    const record = await admin.revisions.get.query({ id: 4 });
    expect(record).toMatchObject({ id: 4, operation: "rollback", restoredFrom: 1, actor: "admin (admin)" });
    expect(Date.now() - Date.parse(record.createdAt)).toBeLessThan(60_000);

    // Rolling back the rollback returns to revision 3's state.
    expect((await admin.revisions.rollback.mutate({ revision: 3 })).revision).toBe(5);
    expect(await state()).toEqual(afterThird);
    // Already there: nothing to do, no revision.
    expect(await admin.revisions.rollback.mutate({ revision: 3 })).toEqual({ revision: null, changes: [] });
  });

  it("lists revisions newest first with actor, time and changes", async () => {
    const list = await mesh.admin.revisions.list.query();
    expect(list.map((r) => [r.id, r.operation, r.restoredFrom])).toEqual([
      [5, "rollback", 3],
      [4, "rollback", 1],
      [3, "delete", null],
      [2, "apply", null],
      [1, "apply", null],
    ]);
    expect(list[4]).toMatchObject({ actor: "admin (admin)", message: "first" });
    expect(list[3]!.changes).toEqual([
      { kind: "TrafficPolicy", name: "reviews", action: "update" },
      { kind: "TrafficPolicy", name: "details", action: "create" },
    ]);
    expect((await mesh.admin.revisions.list.query({ limit: 2, before: 4 })).map((r) => r.id)).toEqual([3, 2]);
  });

  it("refuses a revision that does not exist", async () => {
    await expect(mesh.admin.revisions.rollback.mutate({ revision: 99 })).rejects.toMatchObject({ data: { code: "NOT_FOUND" }, message: "revision 99 does not exist" });
    await expect(mesh.admin.revisions.get.query({ id: 99 })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });
});
