import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signedInPage } from "./setup/browser.ts";

const env = inject("web");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, env.webUrl, env.viewerToken);
});
afterAll(async () => {
  await browser?.close();
});

const allDisabled = (selector: string) => page.locator(selector).evaluateAll((elements) => elements.length > 0 && elements.every((e) => e.matches(":disabled")));

it("shows a viewer the split controls disabled", async () => {
  await page.goto(`${env.webUrl}/splits`);
  const editor = page.getByTestId("split-editor-reviews");
  await expect.poll(() => editor.getByLabel("Weight of v1").isDisabled()).toBe(true);
  expect(await allDisabled('[data-testid="split-editor-reviews"] input, [data-testid="split-editor-reviews"] select')).toBe(true);
  for (const name of ["Preview", "Apply", "Even split", "Add header route"]) expect(await editor.getByRole("button", { name }).isDisabled()).toBe(true);
});

it("shows a viewer the policy editor, deletes and rollback disabled", async () => {
  await page.goto(`${env.webUrl}/policies`);
  await expect.poll(() => page.getByTestId("yaml-editor").isDisabled()).toBe(true);
  expect(await allDisabled('form[aria-label="New access policy"] input, form[aria-label="New access policy"] select, form[aria-label="New access policy"] button')).toBe(true);
  await expect.poll(() => page.getByTestId("policy-list").getByRole("button", { name: "Delete" }).count()).toBeGreaterThan(0);
  expect(await allDisabled('[data-testid="policy-list"] button')).toBe(true);
  // The what-if check only reads, so a viewer may use it.
  expect(await page.getByTestId("what-if").getByLabel("Path").isDisabled()).toBe(false);

  await page.goto(`${env.webUrl}/history`);
  await expect.poll(() => page.getByRole("button", { name: /Roll back to #/ }).isDisabled()).toBe(true);

  await page.goto(`${env.webUrl}/settings`);
  await expect.poll(() => page.getByRole("button", { name: "Create token" }).isDisabled()).toBe(true);
  expect(await page.getByLabel("mTLS").isDisabled()).toBe(true);
});

it("is refused by the API when a viewer's browser sends a change anyway", async () => {
  await page.goto(`${env.webUrl}/`);
  const answer = await page.evaluate(async () => {
    const response = await fetch("/trpc/revisions.rollback", {
      method: "POST",
      headers: { "content-type": "application/json", "x-mesh-client": "web" },
      body: JSON.stringify({ revision: 1 }),
    });
    return { status: response.status, body: await response.text() };
  });
  expect(answer.status).toBe(403);
  expect(answer.body).toContain("needs role editor or higher; vera-viewer is viewer");

  // Without the client header the cookie does not count at all (CSRF defence).
  const withoutHeader = await page.evaluate(async () => (await fetch("/trpc/auth.whoami")).text());
  expect(JSON.parse(withoutHeader).result.data).toBeNull();
});
