import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { meshClient } from "./setup/mesh-client.ts";

const env = inject("web");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it("shows a change with its diff, and rolling back to the revision before it restores the policy", async () => {
  const api = meshClient(env.apiUrl, env.editorToken);
  const [reviews] = await api.resources.get.query({ kind: "TrafficPolicy", name: "reviews" });
  if (reviews?.kind !== "TrafficPolicy") throw new Error("the demo mesh has a TrafficPolicy for reviews");
  const previous = (await api.revisions.list.query({ limit: 1 }))[0]!.id;
  const changed = await api.resources.applyDocuments.mutate({ documents: [{ ...reviews, spec: { ...reviews.spec, timeout: "5s" } }], message: "slower reviews" });

  const page = await signedInPage(browser, env.webUrl, env.editorToken);
  await page.goto(`${env.webUrl}/history`);
  const newest = page.getByTestId(`revision-${changed.revision}`);
  await expect.poll(() => newest.textContent()).toContain("TrafficPolicy/reviews");
  expect(await newest.textContent()).toContain("eddie-editor (editor) · slower reviews");
  const diff = page.getByLabel("Diff of TrafficPolicy/reviews");
  await expect.poll(() => diff.textContent()).toMatch(/-\s+timeout: 2s/);
  expect(await diff.textContent()).toMatch(/\+\s+timeout: 5s/);
  await screenshot(page, "history");

  await page.getByTestId(`revision-${previous}`).getByRole("button").click();
  await page.getByRole("button", { name: `Roll back to #${previous}` }).click();
  const dialog = page.getByRole("dialog");
  expect(await dialog.textContent()).toContain(`Roll back to revision #${previous}?`);
  await screenshot(page, "history-rollback-dialog");
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await expect.poll(() => page.getByTestId("rollback-result").textContent()).toMatch(/Restored as revision #\d+/);

  const [restored] = await api.resources.get.query({ kind: "TrafficPolicy", name: "reviews" });
  expect(restored).toEqual(reviews);
  const [rollback] = await api.revisions.list.query({ limit: 1 });
  expect(rollback).toMatchObject({ operation: "rollback", restoredFrom: previous, actor: "eddie-editor (editor)" });
  await page.context().close();
});
