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

it("a deny policy written in the editor shows in the matrix, and the what-if agrees with policies.check", async () => {
  const page = await signedInPage(browser, env.webUrl, env.editorToken);
  await page.goto(`${env.webUrl}/policies`);
  // Judge every pair on one call, GET /, as the rest of this test does.
  await page.getByLabel("Matrix path").fill("/");
  const cell = page.getByTestId("cell-frontend-details");
  await expect.poll(() => cell.getAttribute("data-allowed")).toBe("true");
  // ratings-readers allows only reviews to call ratings.
  expect(await page.getByTestId("cell-frontend-ratings").getAttribute("data-allowed")).toBe("false");
  expect(await page.getByTestId("cell-reviews-ratings").getAttribute("data-allowed")).toBe("false");
  await page.getByLabel("Matrix path").fill("/ratings/1");
  await expect.poll(() => page.getByTestId("cell-reviews-ratings").getAttribute("data-allowed")).toBe("true");
  expect(await page.getByTestId("cell-reviews-ratings").getAttribute("data-policy")).toBe("ratings-readers");
  await page.getByLabel("Matrix path").fill("/");

  const form = page.getByRole("form", { name: "New access policy" });
  await form.getByLabel("Name").fill("no-frontend-to-details");
  await form.getByLabel("Target service").selectOption("details");
  await form.getByLabel("Action").selectOption("deny");
  await form.getByRole("checkbox", { name: "frontend", exact: true }).check();
  await form.getByRole("button", { name: "Write YAML" }).click();
  const editor = page.getByTestId("yaml-editor");
  expect(await editor.inputValue()).toContain("action: deny");

  // Invalid YAML is refused before it is sent, naming the field.
  await editor.fill((await editor.inputValue()).replace("action: deny", "action: block"));
  await expect.poll(() => page.getByTestId("issues").textContent()).toContain("spec.action: must be allow, deny or audit");
  await editor.fill((await editor.inputValue()).replace("action: block", "action: deny"));
  await page.getByRole("button", { name: "Apply" }).click();
  await expect.poll(() => page.getByTestId("apply-result").textContent()).toMatch(/Applied as revision #\d+/);

  await expect.poll(() => cell.getAttribute("data-allowed")).toBe("false");
  expect(await cell.getAttribute("data-policy")).toBe("no-frontend-to-details");
  expect(await page.getByTestId("cell-reviews-details").getAttribute("data-allowed")).toBe("true");

  const whatIf = page.getByTestId("what-if");
  await whatIf.getByRole("combobox", { name: /^From/ }).selectOption("frontend");
  await whatIf.getByRole("combobox", { name: /^To/ }).selectOption("details");
  await whatIf.getByRole("combobox", { name: /^Method/ }).selectOption("POST");
  await whatIf.getByLabel("Path").fill("/details/9");
  await whatIf.getByRole("button", { name: "Check" }).click();
  const answer = page.getByTestId("what-if-answer");
  await expect.poll(() => answer.textContent()).toContain("Denied");
  const checked = await meshClient(env.apiUrl, env.viewerToken).policies.check.query({ from: "frontend", to: "details", method: "POST", path: "/details/9" });
  expect(checked).toMatchObject({ allowed: false, policy: "no-frontend-to-details" });
  expect(await answer.textContent()).toContain(checked.reason);
  await screenshot(page, "policies");
  await page.context().close();
});
