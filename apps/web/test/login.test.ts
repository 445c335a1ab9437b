import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot } from "./setup/browser.ts";

const env = inject("web");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it("sends visitors without a session to the login page", async () => {
  const page = await browser.newPage();
  await page.goto(`${env.webUrl}/graph`);
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.close();
});

it("refuses a wrong token, signs in with a real one into an httpOnly cookie, and signs out", async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${env.webUrl}/login`);
  await screenshot(page, "login");

  await page.getByLabel("Token").fill("mesh_op_not-a-real-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator(".login-card [role=alert]").textContent()).toContain("not a valid operator token");

  await page.getByLabel("Token").fill(env.editorToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${env.webUrl}/`);
  await expect.poll(() => page.getByTestId("whoami").textContent()).toBe("eddie-editoreditor");
  const cookie = (await context.cookies()).find((c) => c.name === "mesh_session");
  expect(cookie).toMatchObject({ value: env.editorToken, httpOnly: true, sameSite: "Strict" });

  // The overview's figures come through the session cookie + x-mesh-client header.
  await expect.poll(() => page.getByTestId("overview-agents").textContent(), { timeout: 15_000 }).toMatch(/Agents online8\s*\/ 8/);
  await screenshot(page, "overview");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${env.webUrl}/login`);
  expect((await context.cookies()).find((c) => c.name === "mesh_session")).toBeUndefined();
  await context.close();
});
