import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitFor } from "@mesh/testkit";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { startOwnMesh, type OwnMesh } from "./setup/own-mesh.ts";
import { startRealMeshTraffic, type RunningMesh } from "./setup/real-mesh-traffic.ts";

/**
 * Real agents with real traffic: orders calls payments, which a deny policy refuses (403 denied), and inventory,
 * which an allow policy lets through on GET /inventory/items/* only (so `GET /` would be denied).
 */
const RESOURCES = `apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: allow }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: no-orders-to-payments }
spec: { target: payments, action: deny, from: [orders] }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: inventory-readers }
spec:
  target: inventory
  action: allow
  from: [orders]
  to: [{ methods: [GET], paths: ["/inventory/items/*"] }]
`;

let mesh: OwnMesh;
let traffic: RunningMesh | undefined;
let browser: Browser;
let viewerToken: string;

beforeAll(async () => {
  mesh = await startOwnMesh("mesh_web_denied");
  await mesh.admin.resources.applyDocuments.mutate({ yaml: RESOURCES });
  viewerToken = (await mesh.admin.tokens.create.mutate({ role: "viewer", name: "vera-viewer" })).token;
  traffic = await startRealMeshTraffic(mesh.apiUrl, mesh.joinToken, ["orders", "payments", "inventory"], [
    { from: "orders", to: "payments", method: "POST", path: "/payments/charge", everyMs: 100 },
    { from: "orders", to: "inventory", method: "GET", path: "/inventory/items/42", everyMs: 100 },
  ]);
  // The agents report every few seconds: wait until the control plane has both edges, the denied one counted.
  await waitFor(
    async () => {
      const graph = await mesh.admin.metrics.graph.query({});
      const denied = graph.edges.find((e) => e.source === "orders" && e.destination === "payments");
      const allowed = graph.edges.find((e) => e.source === "orders" && e.destination === "inventory");
      return (denied?.denied.count ?? 0) > 20 && (allowed?.requests ?? 0) > 20;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "orders → payments denied calls and orders → inventory calls in the graph" },
  );
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await traffic?.stop();
  await mesh?.stop();
});

it("the agents really answer 403 on the denied edge and 200 on the allowed one", () => {
  expect(new Set(traffic!.statuses.get("orders>payments POST /payments/charge"))).toEqual(new Set([403]));
  expect(new Set(traffic!.statuses.get("orders>inventory GET /inventory/items/42"))).toEqual(new Set([200]));
});

it("draws a denied edge as denied, naming the deciding policy, on the graph, the services page and the overview", async () => {
  const page = await signedInPage(browser, mesh.webUrl, viewerToken);
  await page.goto(`${mesh.webUrl}/graph`);
  const canvas = page.getByTestId("graph-canvas");
  await expect.poll(() => canvas.getAttribute("data-state")).toBe("ready");
  const edgeStates = async () => JSON.parse((await canvas.getAttribute("data-edge-states")) ?? "{}") as Record<string, { health: string; label: string }>;
  await expect.poll(async () => (await edgeStates())["edge:orders>payments"]?.health).toBe("denied");
  const states = await edgeStates();
  expect(states["edge:orders>payments"]!.label).toContain("100% denied by no-orders-to-payments");
  expect(states["edge:orders>inventory"]!.health).toBe("healthy");

  const deniedRow = page.getByTestId("call-orders-payments");
  expect(await deniedRow.locator("[data-health]").getAttribute("data-health")).toBe("denied");
  expect(await deniedRow.textContent()).toContain("100% denied by no-orders-to-payments");
  expect(await page.getByTestId("call-orders-inventory").locator("[data-health]").getAttribute("data-health")).toBe("healthy");
  // The mTLS mark is drawn, not an emoji that needs a font.
  expect(await page.getByTestId("call-orders-inventory").locator("svg[data-testid=lock-icon]").count()).toBe(1);
  expect(await page.locator("body").textContent()).not.toContain("🔒");
  await screenshot(page, "denied-graph");

  await page.goto(`${mesh.webUrl}/services`);
  const row = (service: string) => page.getByTestId("service-list").getByRole("row").filter({ has: page.getByRole("link", { name: service, exact: true }) });
  const payments = row("payments");
  await expect.poll(() => payments.locator("[data-health]").getAttribute("data-health")).toBe("denied");
  expect(await row("inventory").locator("[data-health]").getAttribute("data-health")).toBe("healthy");
  // orders receives nothing: idle, not healthy.
  expect(await row("orders").locator("[data-health]").getAttribute("data-health")).toBe("idle");
  await screenshot(page, "denied-services");

  await page.goto(`${mesh.webUrl}/`);
  await expect.poll(() => page.getByTestId("overview-health").textContent()).toContain("1 denied");
  expect(await page.getByTestId("overview-health").textContent()).toContain("1 idle");
  const failing = page.getByTestId("failing-edges");
  await expect.poll(() => failing.textContent()).toContain("denied by no-orders-to-payments");
  expect(await failing.textContent()).not.toContain("inventory");
  await screenshot(page, "denied-overview");
  await page.context().close();
});

it("checks an edge's access on the call it makes most, not on GET /", async () => {
  const page = await signedInPage(browser, mesh.webUrl, viewerToken);
  await page.goto(`${mesh.webUrl}/graph`);
  await page.getByTestId("call-orders-inventory").getByRole("button", { name: "orders" }).click();
  const panel = page.locator("aside.side-panel");
  await expect.poll(() => panel.getByTestId("observed-access").getAttribute("data-verdict")).toBe("allowed");
  expect(await panel.getByTestId("observed-access").textContent()).toContain("GET /inventory/items/42");
  expect(await panel.getByLabel("Path").inputValue()).toBe("/inventory/items/42");
  expect(await panel.getByTestId("access-decision").textContent()).toContain("Allowed — allowed by inventory-readers");
  await screenshot(page, "edge-panel-observed-call");

  await page.getByTestId("call-orders-payments").getByRole("button", { name: "orders" }).click();
  await expect.poll(() => panel.getByTestId("observed-access").getAttribute("data-verdict")).toBe("denied");
  expect(await panel.getByLabel("Method").inputValue()).toBe("POST");
  expect(await panel.getByTestId("access-decision").textContent()).toContain("Denied");
  await page.context().close();
});

it("judges each matrix pair on the paths it uses, and a cell opens a pre-filled what-if", async () => {
  const page = await signedInPage(browser, mesh.webUrl, viewerToken);
  await page.goto(`${mesh.webUrl}/policies`);
  await expect.poll(() => page.getByTestId("cell-orders-inventory").getAttribute("data-verdict")).toBe("allowed");
  expect(await page.getByTestId("cell-orders-payments").getAttribute("data-verdict")).toBe("denied");
  expect(await page.getByTestId("cell-payments-orders").getAttribute("data-verdict")).toBe("unused");
  await screenshot(page, "matrix-observed");

  await page.getByTestId("cell-orders-payments").getByRole("button").click();
  const answer = page.getByTestId("what-if-answer");
  await expect.poll(() => answer.textContent()).toContain("Denied · orders → payments POST /payments/charge");
  expect(await answer.textContent()).toContain("no-orders-to-payments");
  await page.context().close();
});
