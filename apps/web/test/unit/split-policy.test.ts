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
    expect(draft.headerRoutes).toEqual([{ header: "x-user", value: "jason", version: "v2", sourceIndex: 0 }]);
    expect(draft.otherRoutes).toEqual([reviews.routes![1]]);
  });

  it("splits evenly over live versions when there is no policy", () => {
    expect(draftFromPolicy(null, ["v1", "v2", "v3"]).slots.map((s) => s.weight)).toEqual([34, 33, 33]);
  });

  it("writes a valid policy that keeps the rest of the spec, header routes first and the split last", () => {
    const draft = draftFromPolicy(reviews, ["v1", "v2"]);
    draft.slots = [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }];
    const policy = policyFromDraft("reviews", reviews, reviews, draft);
    expect(validateResources([policy]).issues).toEqual([]);
    expect(policy.spec.timeout).toBe("2s");
    expect(policy.spec.routes).toEqual([
      { match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
      { match: { pathPrefix: "/admin" }, backends: [{ version: "v1", weight: 100 }] },
      { backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] },
    ]);
  });

  it("keeps route names, order and untouched fields, and adds no weight-0 backend for a live version left out", () => {
    const named = trafficPolicySpecSchema.parse({
      routes: [
        { name: "admin-to-v1", match: { pathPrefix: "/admin" }, backends: [{ version: "v1", weight: 100 }] },
        { name: "jason-sees-v2", match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
        { name: "everyone", backends: [{ version: "v1", weight: 90 }, { version: "v3", weight: 10 }] },
      ],
    });
    const draft = draftFromPolicy(named, ["v1", "v2"]);
    draft.slots = draft.slots.map((s) => ({ ...s, weight: s.version === "v1" ? 80 : s.version === "v3" ? 20 : 0 }));
    draft.slotsTouched = true;
    expect(policyFromDraft("reviews", named, named, draft).spec.routes).toEqual([
      named.routes![0],
      named.routes![1],
      { name: "everyone", backends: [{ version: "v1", weight: 80 }, { version: "v3", weight: 20 }] },
    ]);
  });

  it("takes fields changed meanwhile from the latest policy, and puts added header routes before the catch-all", () => {
    const draft = draftFromPolicy(reviews, ["v1", "v2"]);
    draft.headerRoutes = [...draft.headerRoutes, { header: "x-beta", value: "yes", version: "v1" }];
    const latest = { ...reviews, timeout: "5s" };
    const policy = policyFromDraft("reviews", reviews, latest, draft);
    expect(policy.spec.timeout).toBe("5s");
    expect(policy.spec.routes!.map((r) => r.match?.headers ?? r.match?.pathPrefix ?? "catch-all")).toEqual([{ "x-user": "jason" }, "/admin", { "x-beta": "yes" }, "catch-all"]);
  });
});
