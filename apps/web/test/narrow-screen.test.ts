import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, screenshot } from "./setup/browser.ts";

const env = inject("web");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const login = await context.request.post(`${env.webUrl}/auth/login`, { data: { token: env.adminToken } });
  expect(login.ok()).toBe(true);
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
});
afterAll(async () => {
  await browser?.close();
});

/** How far the page scrolls sideways, in CSS pixels (0 when it fits). */
const sidewaysOverflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

it("at 800 px the sidebar folds behind a Menu button that opens it and closes on navigation", async () => {
  await page.goto(`${env.webUrl}/`);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect.poll(() => nav.isVisible()).toBe(false);
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.click();
  await expect.poll(() => nav.isVisible()).toBe(true);
  await screenshot(page, "narrow-menu-open");
  await nav.getByRole("link", { name: "Services" }).click();
  await page.waitForURL(/\/services$/);
  await expect.poll(() => nav.isVisible()).toBe(false);
});

it("no page scrolls sideways at 800 px: wide tables scroll inside their card", async () => {
  const paths = ["/", "/graph", "/services", "/services/reviews", "/splits", "/traces", `/traces/${env.trace.traceId}`, "/policies", "/logs", "/history", "/settings"];
  const overflowing: string[] = [];
  for (const path of paths) {
    await page.goto(`${env.webUrl}${path}`);
    await page.locator("main h1").first().waitFor();
    // Let the page's data arrive and lay out (tables and charts are what widen pages).
    await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => undefined);
    const overflow = await sidewaysOverflow(page);
    if (overflow > 0) overflowing.push(`${path} by ${overflow}px`);
  }
  await page.goto(`${env.webUrl}/traces/${env.trace.traceId}`);
  await page.locator("main h1").first().waitFor();
  await screenshot(page, "narrow-trace");
  expect(overflowing).toEqual([]);
});
