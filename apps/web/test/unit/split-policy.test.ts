import { describe, expect, it } from "vitest";
import { trafficPolicySpecSchema, validateResources } from "@mesh/shared";
import { draftFromPolicy, policyFromDraft } from "../../src/views/splits/split-policy.ts";

const reviews = trafficPolicySpecSchema.parse({
  timeout: "2s",
  routes: [
    { match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
    { match: { pathPrefix: "/admin" }, backends: [{ version: "v1", weight: 100 }] },
    { backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] },
  ],
});

describe("split drafts", () => {
  it("reads weights, header routes and keeps routes the form cannot edit", () => {
    const draft = draftFromPolicy(reviews, ["v1", "v2", "v3"]);
    expect(draft.slots).toEqual([{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }, { version: "v3", weight: 0 }]);
    expect(draft.headerRoutes).toEqual([{ header: "x-user", value: "jason", version: "v2" }]);
    expect(draft.otherRoutes).toEqual([reviews.routes![1]]);
  });

  it("splits evenly over live versions when there is no policy", () => {
    expect(draftFromPolicy(null, ["v1", "v2", "v3"]).slots.map((s) => s.weight)).toEqual([34, 33, 33]);
  });

  it("writes a valid policy that keeps the rest of the spec, header routes first and the split last", () => {
    const draft = draftFromPolicy(reviews, ["v1", "v2"]);
    draft.slots = [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }];
    const policy = policyFromDraft("reviews", reviews, draft);
    expect(validateResources([policy]).issues).toEqual([]);
    expect(policy.spec.timeout).toBe("2s");
    expect(policy.spec.routes).toEqual([
      { match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
      { match: { pathPrefix: "/admin" }, backends: [{ version: "v1", weight: 100 }] },
      { backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] },
    ]);
  });
});
