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

type StoredSpan = { spanId: string; children: StoredSpan[] };
const depthFirst = (spans: StoredSpan[]): string[] => spans.flatMap((s) => [s.spanId, ...depthFirst(s.children)]);

it("finds the trace in the search and opens it as a waterfall whose spans match the stored trace", async () => {
  const { traceId, spans: sent } = env.trace;
  const page = await signedInPage(browser, env.webUrl, env.viewerToken);
  await page.goto(`${env.webUrl}/traces`);
  await page.getByLabel("Service").selectOption("ratings");
  await page.getByRole("button", { name: "Search" }).click();
  const list = page.getByTestId("trace-list");
  await expect.poll(() => list.locator("tbody tr").count()).toBe(8);
  await screenshot(page, "traces");

  await page.goto(`${env.webUrl}/traces/${traceId}`);
  const rows = page.getByTestId("span-row");
  await expect.poll(() => rows.count()).toBe(sent.length);
  const stored = await meshClient(env.apiUrl, env.viewerToken).traces.get.query({ traceId });
  const shownIds = await rows.evaluateAll((elements) => elements.map((e) => e.getAttribute("data-span-id")));
  expect(shownIds).toEqual(depthFirst(stored.roots));
  for (const span of sent) {
    const row = page.locator(`[data-span-id="${span.spanId}"]`);
    expect(await row.getAttribute("aria-label")).toContain(`${span.service} ${span.name}`);
  }

  // The failed first attempt to ratings carries the agent's own cause.
  const failed = sent.find((s) => s.meshError)!;
  await page.locator(`[data-span-id="${failed.spanId}"]`).click();
  await expect.poll(() => page.getByTestId("mesh-error").textContent()).toBe("x-mesh-error: upstream-connect");
  // The critical path runs through both sequential attempts; details ran alongside reviews, so nobody waited on it.
  const classOf = (spanId: string) => page.locator(`[data-span-id="${spanId}"]`).getAttribute("class");
  expect(await classOf(failed.spanId)).toContain("critical");
  expect(await classOf(sent.find((s) => s.parentSpanId === null)!.spanId)).toContain("critical");
  expect(await classOf(sent.find((s) => s.name === "GET /details/1")!.spanId)).not.toContain("critical");
  await screenshot(page, "trace-waterfall");
  await page.context().close();
});
