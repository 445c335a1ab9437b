import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
beforeAll(async () => {
  mesh = await startTestControlPlane();
});
afterAll(() => mesh?.close());

const WRITERS = 12;

describe("concurrent applies", () => {
  it("are serialized: each revision starts from exactly the state the previous one left", async () => {
    // Each writer changes both policies to its own weights; interleaved writes would break the before/after chain.
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        mesh.admin.resources.applyDocuments.mutate({ yaml: `${trafficPolicyYaml("alpha", i + 1)}---\n${trafficPolicyYaml("beta", 99 - i)}` }),
      ),
    );
    expect(results.map((r) => r.revision).sort((a, b) => a! - b!)).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 1));

    let previous: Record<string, unknown> = { alpha: null, beta: null };
    for (let id = 1; id <= WRITERS; id++) {
      const revision = await mesh.admin.revisions.get.query({ id });
      expect(revision.changes.map((c) => c.name)).toEqual(["alpha", "beta"]);
      for (const change of revision.changes) {
        expect(change.before, `revision ${id} ${change.name}`).toEqual(previous[change.name]);
        previous = { ...previous, [change.name]: change.after };
      }
    }
    const current = await mesh.admin.resources.get.query({ kind: "TrafficPolicy" });
    expect(current).toEqual([previous.alpha, previous.beta]);
  });
});
