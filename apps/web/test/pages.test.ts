import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";

const env = inject("web");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, env.webUrl, env.adminToken);
});
afterAll(async () => {
  await browser?.close();
});

it("lists services with their versions and traffic", async () => {
  await page.goto(`${env.webUrl}/services`);
  // checkout runs on real agents under steady load, so it has traffic in any 5-minute window.
  const checkout = page.getByTestId("service-list").getByRole("row").filter({ hasText: "checkout" });
  await expect.poll(() => checkout.textContent()).toMatch(/^checkoutv1, v22[\d.]+ rps(<0\.1|[\d.]+)% 5xx( · (<0\.1|[\d.]+)% 4xx)?[\d.]+ m?s$/);
  await screenshot(page, "services");
});

it("shows a service with instances, their applied revision, policy and recent requests linked to traces", async () => {
  await page.goto(`${env.webUrl}/services/reviews`);
  const instances = page.getByTestId("instances");
  await expect.poll(() => instances.locator("tbody tr").count()).toBe(2);
  // Both instances acknowledge the current revision (other test files may have added revisions).
  const current = (await page.getByText(/current revision #\d+/).textContent())!.match(/#(\d+)/)![1];
  await expect.poll(() => instances.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.children[3]!.textContent))).toEqual([`#${current}`, `#${current}`]);
  await expect.poll(() => page.getByTestId("effective-policy").textContent()).toContain("x-user: jason → v2 100%");
  const logs = page.getByTestId("access-logs");
  await expect.poll(() => logs.locator("tbody tr").count()).toBeGreaterThan(0);
  await page.waitForFunction(() => document.querySelectorAll(".recharts-area-curve").length > 0);
  await screenshot(page, "service-detail");
  await logs.getByRole("link").first().click();
  await page.waitForURL(/\/traces\/[0-9a-f]{32}$/);
  await expect.poll(() => page.getByTestId("span-row").count()).toBe(8);
});

it("searches access logs and shows the mesh's own error causes", async () => {
  await page.goto(`${env.webUrl}/logs`);
  await page.getByLabel("Status").selectOption("5xx");
  const logs = page.getByTestId("access-logs");
  // Until the 5xx answer arrives the page keeps the unfiltered lines on screen, marked busy.
  await expect.poll(() => page.locator("section[aria-busy='false']").getByTestId("access-logs").count()).toBe(1);
  // The 8 seeded failures, plus any the real agents' traffic produced meanwhile: the filter must show only 5xx.
  await expect.poll(() => logs.locator("tbody tr").count()).toBeGreaterThanOrEqual(8);
  // The Status cell: the code, then the mesh's cause when it answered itself.
  const statuses = await logs.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.children[4]!.textContent ?? ""));
  for (const status of statuses) expect(status).toMatch(/^5\d\d/);
  expect(statuses.some((status) => status.includes("upstream-connect"))).toBe(true);
  await screenshot(page, "logs");
});

it("shows tokens, the CA and the mesh settings to an admin", async () => {
  await page.goto(`${env.webUrl}/settings`);
  await expect.poll(() => page.getByTestId("ca-info").textContent()).toContain("mesh.local");
  await page.getByLabel("Token name").fill("ci-deploy");
  await page.getByLabel("Role").selectOption("editor");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect.poll(() => page.getByTestId("new-token").textContent()).toMatch(/^mesh_op_/);
  await expect.poll(() => page.getByTestId("token-list").textContent()).toContain("ci-deploy");
  expect(await page.getByLabel("mTLS").inputValue()).toBe("strict");
  await screenshot(page, "settings");
});
