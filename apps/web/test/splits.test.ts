import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { meshClient } from "./setup/mesh-client.ts";
import { ROLLUP_INTERVAL_MS, rollupBucketStart } from "@mesh/shared";

const env = inject("web");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it("dragging checkout's v1 slider to 50 moves v2 to 50, previews the diff, and applying changes the TrafficPolicy", async () => {
  const page = await signedInPage(browser, env.webUrl, env.editorToken);
  await page.goto(`${env.webUrl}/splits`);
  const editor = page.getByTestId("split-editor-checkout");
  const v1 = editor.getByLabel("Weight of v1");
  await expect.poll(() => v1.inputValue()).toBe("80");

  await v1.focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press("ArrowLeft");
  await expect.poll(() => editor.getByTestId("weight-v1").textContent()).toBe("50%");
  expect(await editor.getByTestId("weight-v2").textContent()).toBe("50%");

  await editor.getByRole("button", { name: "Preview" }).click();
  const diff = editor.getByTestId("yaml-diff");
  await expect.poll(() => diff.textContent()).toMatch(/-\s+weight: 80/);
  const diffText = (await diff.textContent())!;
  expect(diffText).toMatch(/-\s+weight: 20/);
  expect(diffText.match(/\+\s+weight: 50/g)).toHaveLength(2);
  await screenshot(page, "splits-preview");

  await editor.getByRole("button", { name: "Apply" }).click();
  await expect.poll(() => editor.getByText(/Applied as revision/).textContent()).toMatch(/Applied as revision #\d+/);

  const appliedAt = Date.now();
  const api = meshClient(env.apiUrl, env.viewerToken);
  const [policy] = await api.resources.get.query({ kind: "TrafficPolicy", name: "checkout" });
  expect(policy?.kind === "TrafficPolicy" && policy.spec.routes).toEqual([
    { backends: [{ version: "v1", weight: 50 }, { version: "v2", weight: 50 }] },
  ]);
  // The form restarts from the applied policy.
  await expect.poll(() => v1.inputValue()).toBe("50");

  // The real agents follow: what checkout's instances received since the next full rollup after the change.
  const from = rollupBucketStart(appliedAt) + ROLLUP_INTERVAL_MS;
  // Enough requests that the binomial spread is small: with n requests at p = 0.5 one standard deviation
  // is 100·√(p(1−p)/n) points; 4 of them (a 1-in-16,000 false alarm) around 50 % bounds the share, and
  // neither the old 20 % nor a stuck split fits inside it.
  const MIN_REQUESTS = 500;
  const observed = async () => {
    const [a, b] = await Promise.all(["v1", "v2"].map((version) => api.metrics.red.query({ service: "checkout", version, from })));
    const total = a!.totals.requests + b!.totals.requests;
    return total >= MIN_REQUESTS ? { total, v2: b!.totals.requests } : null;
  };
  await expect.poll(observed, { timeout: 120_000, interval: 2000 }).not.toBeNull();
  const { total, v2 } = (await observed())!;
  const v2Share = (100 * v2) / total;
  const bound = 4 * 100 * Math.sqrt((0.5 * 0.5) / total);
  console.log(`[splits] checkout v2 received ${v2Share.toFixed(1)} % of ${total} requests after the 50/50 change (was 20 %); allowed 50 ± ${bound.toFixed(1)}`);
  expect(Math.abs(v2Share - 50)).toBeLessThanOrEqual(bound);
  await screenshot(page, "splits");
  await page.context().close();
});

it("locks a version so moving another takes only from the unlocked ones, and shows bad header routes inline", async () => {
  const page = await signedInPage(browser, env.webUrl, env.editorToken);
  await page.goto(`${env.webUrl}/splits`);
  const editor = page.getByTestId("split-editor-reviews");
  await expect.poll(() => editor.getByLabel("Weight of v1").inputValue()).toBe("90");
  await editor.getByRole("button", { name: "Lock v1" }).click();
  expect(await editor.getByLabel("Weight of v1").isDisabled()).toBe(true);
  // With v1 locked, v2 cannot take more than the 10% left to it.
  await editor.getByLabel("Weight of v2").fill("60");
  expect(await editor.getByTestId("weight-v2").textContent()).toBe("10%");

  const routes = editor.getByTestId("header-routes");
  expect(await routes.getByLabel("Header").first().inputValue()).toBe("x-user");
  await routes.getByLabel("Header").first().fill("");
  await expect.poll(() => editor.getByTestId("issues").textContent()).toContain("spec.routes[0].match.headers");
  expect(await editor.getByRole("button", { name: "Apply" }).isDisabled()).toBe(true);
  await page.context().close();
});
