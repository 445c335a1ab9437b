import { readFileSync } from "node:fs";
import jsonpatch, { type Operation } from "fast-json-patch";
import { Pod } from "kubernetes-models/v1/Pod";
import { parseAdmissionReview, type AdmissionReview, type Pod as PodShape } from "../../src/inject/admission-review.ts";

export type Fixture = "deployment-pod" | "job-pod" | "injected-pod" | "opted-out-pod";

export function fixtureText(name: Fixture): string {
  return readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8");
}

export function loadReview(name: Fixture) {
  return parseAdmissionReview(fixtureText(name));
}

export function decodePatch(review: AdmissionReview): Operation[] {
  const patch = review.response?.patch;
  if (!patch) throw new Error("the response carries no patch");
  return JSON.parse(Buffer.from(patch, "base64").toString("utf8")) as Operation[];
}

/** Applies the response's JSONPatch the way the API server does (strictly), then checks the result against the Pod schema. */
export function applyToPod(original: unknown, review: AdmissionReview): PodShape {
  const pod = jsonpatch.applyPatch(jsonpatch.deepClone(original), decodePatch(review), true, false).newDocument as PodShape;
  new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate();
  return pod;
}
