import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitFor } from "@mesh/testkit";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { startOwnMesh, type OwnMesh } from "./setup/own-mesh.ts";
import { startRealMeshTraffic, type RunningMesh } from "./setup/real-mesh-traffic.ts";

/** Real agents (orders → inventory) behind a control plane of this file's own, which the last test takes down. */
let mesh: OwnMesh;
let traffic: RunningMesh | undefined;
let browser: Browser;
let viewerToken: string;

beforeAll(async () => {
  mesh = await startOwnMesh("mesh_web_errors");
  viewerToken = (await mesh.admin.tokens.create.mutate({ role: "viewer", name: "vera-viewer" })).token;
  traffic = await startRealMeshTraffic(mesh.apiUrl, mesh.joinToken, ["orders", "inventory"], [
    { from: "orders", to: "inventory", method: "GET", path: "/inventory/items/1", everyMs: 100 },
  ]);
  await waitFor(async () => ((await mesh.admin.metrics.graph.query({})).edges[0]?.requests ?? 0) > 10, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: "orders → inventory in the graph",
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await traffic?.stop();
  await mesh?.stop();
});

it("a refresh answered by a gateway's plain-text 502 keeps the graph, says it is stale, in words", async () => {
  const page = await signedInPage(browser, mesh.webUrl, viewerToken);
  await page.goto(`${mesh.webUrl}/graph`);
  const canvas = page.getByTestId("graph-canvas");
  await expect.poll(() => canvas.getAttribute("data-state")).toBe("ready");
  expect(await canvas.getAttribute("data-edges")).toBe("1");

  // A proxy in front of the dashboard answers the next graph refreshes with its own error page.
  await page.route(/\/trpc\/[^?]*metrics\.graph/, (route) => route.fulfill({ status: 502, contentType: "text/plain", body: "Bad Gateway" }));
  const banner = page.getByTestId("stale-banner");
  await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toMatch(/^Stale since \d\d:\d\d:\d\d\. The control plane did not answer \(502 Bad Gateway\)/);
  expect(await canvas.getAttribute("data-edges")).toBe("1");
  expect(await page.getByTestId("call-orders-inventory").count()).toBe(1);
  const text = (await page.locator("body").textContent())!;
  expect(text).not.toContain("Unexpected token");
  expect(text).not.toContain("not valid JSON");
  await screenshot(page, "graph-stale");

  await page.unroute(/\/trpc\/[^?]*metrics\.graph/);
  await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(0);
  await page.context().close();
});

it("a revoked token sends the page to /login?next=, and signing in again returns there", async () => {
  const created = await mesh.admin.tokens.create.mutate({ role: "viewer", name: "soon-revoked" });
  const page = await signedInPage(browser, mesh.webUrl, created.token);
  await page.goto(`${mesh.webUrl}/services?from=test`);
  await expect.poll(() => page.getByTestId("service-list").textContent()).toContain("inventory");
  await mesh.admin.tokens.revoke.mutate({ id: created.id });
  // The page's next refresh meets the 401.
  await page.waitForURL((url) => url.pathname === "/login", { timeout: 30_000 });
  expect(new URL(page.url()).searchParams.get("next")).toBe("/services?from=test");
  await expect.poll(() => page.getByTestId("session-ended").textContent()).toContain("/services?from=test");
  await page.getByLabel("Token").fill(viewerToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/services", { timeout: 20_000 });
  await page.context().close();
});

it("with the control plane down the overview keeps its last numbers, marked stale, and no card claims all is ok", async () => {
  const page = await signedInPage(browser, mesh.webUrl, viewerToken);
  await page.goto(`${mesh.webUrl}/`);
  const agentsCard = page.getByTestId("overview-agents");
  await expect.poll(() => agentsCard.textContent()).toContain("all reporting ok");
  expect(await agentsCard.textContent()).toMatch(/2\s*\/ 2/);

  await mesh.stopControlPlane();
  const banner = page.getByTestId("stale-banner");
  await expect.poll(() => banner.textContent(), { timeout: 30_000 }).toMatch(/^Stale since \d\d:\d\d:\d\d\. The control plane did not answer \(502 Bad Gateway\)/);
  await expect.poll(() => agentsCard.textContent(), { timeout: 20_000 }).toMatch(/as of \d\d:\d\d:\d\d/);
  expect(await agentsCard.textContent()).not.toContain("all reporting ok");
  expect(await page.getByTestId("overview-health").textContent()).toMatch(/healthy|idle/);
  expect(await page.locator("body").textContent()).not.toContain("Failed to fetch");
  await screenshot(page, "overview-api-down");
  await page.context().close();
});
