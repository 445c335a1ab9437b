import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitFor } from "@mesh/testkit";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { meshClient } from "./setup/mesh-client.ts";
import { startOwnMesh, type OwnMesh } from "./setup/own-mesh.ts";
import { startRealMeshTraffic, type RunningMesh } from "./setup/real-mesh-traffic.ts";

/**
 * Real agents: shop calls catalog, whose v1 and v2 are live. The policy names its routes, puts a path route
 * before a header route, and splits the catch-all over v1 and v3 (not live), so the form offers v2 at 0 %.
 */
const CATALOG = `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: catalog }
spec:
  timeout: 2s
  routes:
    - name: admin-to-v1
      match: { pathPrefix: /admin }
      backends: [{ version: v1, weight: 100 }]
    - name: jason-sees-v2
      match: { headers: { x-user: jason } }
      backends: [{ version: v2, weight: 100 }]
    - name: everyone
      backends: [{ version: v1, weight: 90 }, { version: v3, weight: 10 }]
`;

let mesh: OwnMesh;
let traffic: RunningMesh | undefined;
let browser: Browser;
let editorToken: string;
let otherEditor: string;

beforeAll(async () => {
  mesh = await startOwnMesh("mesh_web_splits");
  await mesh.admin.resources.applyDocuments.mutate({ yaml: CATALOG });
  editorToken = (await mesh.admin.tokens.create.mutate({ role: "editor", name: "eddie-editor" })).token;
  otherEditor = (await mesh.admin.tokens.create.mutate({ role: "editor", name: "olga-ops" })).token;
  traffic = await startRealMeshTraffic(mesh.apiUrl, mesh.joinToken, ["shop", { service: "catalog", version: "v1" }, { service: "catalog", version: "v2" }], [
    { from: "shop", to: "catalog", method: "GET", path: "/catalog/items", everyMs: 100 },
  ]);
  await waitFor(async () => (await mesh.admin.services.get.query({ name: "catalog" })).versions.join() === "v1,v2", {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: "catalog v1 and v2 registered",
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await traffic?.stop();
  await mesh?.stop();
});

async function catalogRoutes() {
  const [policy] = await mesh.admin.resources.get.query({ kind: "TrafficPolicy", name: "catalog" });
  return policy?.kind === "TrafficPolicy" ? policy.spec : null;
}

it("moving a slider changes only weights: route names, order and fields stay, and no `v2 weight: 0` appears", async () => {
  const page = await signedInPage(browser, mesh.webUrl, editorToken);
  await page.goto(`${mesh.webUrl}/splits`);
  const editor = page.getByTestId("split-editor-catalog");
  const v1 = editor.getByLabel("Weight of v1");
  await expect.poll(() => v1.inputValue()).toBe("90");
  expect(await editor.getByLabel("Weight of v2").inputValue()).toBe("0");
  await v1.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowLeft");
  await expect.poll(() => editor.getByTestId("weight-v3").textContent()).toBe("20%");

  await editor.getByRole("button", { name: "Preview" }).click();
  const diff = editor.getByTestId("yaml-diff");
  await expect.poll(() => diff.textContent()).toMatch(/\+\s+weight: 80/);
  const diffText = (await diff.textContent())!;
  expect(diffText).not.toMatch(/-\s+name: /);
  expect(diffText).not.toMatch(/weight: 0\b/);
  await screenshot(page, "split-edit-keeps-names");

  await editor.getByRole("button", { name: "Apply" }).click();
  await expect.poll(() => editor.getByText(/Applied as revision/).textContent()).toMatch(/Applied as revision #\d+/);
  const spec = await catalogRoutes();
  expect(spec?.timeout).toBe("2s");
  expect(spec?.routes).toEqual([
    { name: "admin-to-v1", match: { pathPrefix: "/admin" }, backends: [{ version: "v1", weight: 100 }] },
    { name: "jason-sees-v2", match: { headers: { "x-user": "jason" } }, backends: [{ version: "v2", weight: 100 }] },
    { name: "everyone", backends: [{ version: "v1", weight: 80 }, { version: "v3", weight: 20 }] },
  ]);
  await page.context().close();
});

it("a change applied elsewhere while editing shows as 'changed in revision N by X' before Apply, and Apply keeps it", async () => {
  const page = await signedInPage(browser, mesh.webUrl, editorToken);
  await page.goto(`${mesh.webUrl}/splits`);
  const editor = page.getByTestId("split-editor-catalog");
  const v1 = editor.getByLabel("Weight of v1");
  await expect.poll(() => v1.inputValue()).toBe("80");
  await v1.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowLeft");
  await expect.poll(() => editor.getByTestId("weight-v1").textContent()).toBe("70%");

  // Olga changes the timeout from the CLI/API meanwhile.
  const current = (await catalogRoutes())!;
  const theirs = await meshClient(mesh.apiUrl, otherEditor).resources.applyDocuments.mutate({
    documents: [{ apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "catalog" }, spec: { ...current, timeout: "5s" } }],
    message: "slower catalog",
  });
  const notice = editor.getByTestId("changed-meanwhile");
  await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain(`changed in revision #${theirs.revision} by olga-ops`);
  // The edit in progress is still there.
  expect(await editor.getByTestId("weight-v1").textContent()).toBe("70%");
  await screenshot(page, "split-changed-meanwhile");

  await editor.getByRole("button", { name: "Apply" }).click();
  await expect.poll(() => editor.getByText(/Applied as revision/).textContent()).toMatch(/Applied as revision #\d+/);
  const spec = await catalogRoutes();
  expect(spec?.timeout).toBe("5s");
  expect(spec?.routes?.map((r) => r.name)).toEqual(["admin-to-v1", "jason-sees-v2", "everyone"]);
  expect(spec?.routes?.[2]?.backends).toEqual([{ version: "v1", weight: 70 }, { version: "v3", weight: 30 }]);
  await expect.poll(() => notice.count()).toBe(0);
  await page.context().close();
});
