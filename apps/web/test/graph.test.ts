import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";

const env = inject("web");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it("draws every service and call, with req/s, error % and p99 on each call", async () => {
  const page = await signedInPage(browser, env.webUrl, env.viewerToken);
  await page.goto(`${env.webUrl}/graph`);
  const canvas = page.getByTestId("graph-canvas");
  await expect.poll(() => canvas.getAttribute("data-state")).toBe("ready");
  expect(await canvas.getAttribute("data-nodes")).toBe("6");
  expect(await canvas.getAttribute("data-edges")).toBe("4");

  const failing = page.getByTestId("call-reviews-ratings");
  await expect.poll(() => failing.textContent()).toMatch(/reviewsratings\d+(\.\d)? rps[\d.]+% 5xx\d+ ms/);
  const healthy = await page.getByTestId("call-frontend-reviews").textContent();
  expect(healthy).toMatch(/frontendreviews\d+(\.\d)? rps0% 5xx\d+ msmTLS yes/);
  await screenshot(page, "graph");

  await page.getByTestId("call-frontend-reviews").getByRole("button", { name: "frontend" }).click();
  const panel = page.locator("aside.side-panel");
  await expect.poll(() => panel.getByTestId("edge-panel").textContent()).toContain("frontend → reviews");
  const policy = panel.getByTestId("effective-policy");
  await expect.poll(() => policy.textContent()).toContain("x-user: jason → v2 100%");
  expect(await policy.textContent()).toContain("everything else → v1 90%, v2 10%");
  expect(await policy.textContent()).toContain("3 attempts, 500ms per try");
  expect(await panel.getByTestId("access-decision").textContent()).toContain("Allowed");
  await screenshot(page, "graph-edge-panel");
  await page.context().close();
});

it("checks the access of the call the edge makes (GET /ratings/1), and of any other call asked about", async () => {
  const page = await signedInPage(browser, env.webUrl, env.viewerToken);
  await page.goto(`${env.webUrl}/graph`);
  await page.getByTestId("call-reviews-ratings").getByRole("button", { name: "reviews" }).click();
  const decision = page.locator("aside.side-panel").getByTestId("access-decision");
  // ratings-readers allows GET /ratings/* only: the call reviews makes is allowed, GET / would not be.
  await expect.poll(() => decision.textContent()).toContain("Allowed — allowed by ratings-readers");
  expect(await page.locator("aside.side-panel").getByLabel("Path").inputValue()).toBe("/ratings/1");
  await page.locator("aside.side-panel").getByLabel("Path").fill("/");
  await expect.poll(() => decision.textContent()).toContain("Denied");
  await page.context().close();
});
