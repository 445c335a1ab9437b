import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { startControlPlane } from "../apps/api/src/server.ts";
import { buildIfStale, startNext } from "../apps/web/test/setup/next-app.ts";
import { heartbeat, keepAlive, registerInstances, reportTraffic } from "../apps/web/test/setup/seed-mesh.ts";
import { syntheticMesh } from "../apps/web/test/setup/synthetic-mesh.ts";
import { createTestDatabase } from "../packages/testkit/src/database.ts";
import { formatMs, type BenchSection } from "./section.ts";
import { distribution } from "./stats.ts";

export interface DashboardOptions {
  services: number;
  loads: number;
}

export const DASHBOARD_DEFAULTS: DashboardOptions = { services: 300, loads: 5 };

const TITLE = "Dashboard";
const TARGET_MS = 2000;
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/**
 * Time for the /graph page of a real `next start` (production build) over a real control plane to become
 * interactive in Chromium with a big mesh: the mesh is seeded with the web app's own test helpers
 * (apps/web/test/setup, as in its graph-scale test); the page marks itself ready once the graph is laid out.
 */
export async function benchDashboard(options: DashboardOptions = DASHBOARD_DEFAULTS): Promise<BenchSection> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    await buildIfStale();
    const database = await createTestDatabase("mesh_bench_web");
    cleanups.unshift(() => database.drop());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "mesh-bench-web-"));
    cleanups.unshift(() => rm(dataDir, { recursive: true, force: true }));
    const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
    cleanups.unshift(() => controlPlane.close());

    const mesh = syntheticMesh(options.services);
    // Several registration chains at once: one after another, 300 take long on a busy machine.
    const chains = 10;
    const instances = mesh.services.map((service) => ({ service, version: "v1" }));
    const agents = (
      await Promise.all(Array.from({ length: chains }, (_, c) => registerInstances(controlPlane.url, controlPlane.joinToken, instances.filter((_, i) => i % chains === c))))
    ).flat();
    await heartbeat(agents, null);
    cleanups.unshift(keepAlive(controlPlane.url, controlPlane.adminToken, agents));
    await reportTraffic(agents, mesh.edges, 60_000);

    const next = await startNext(controlPlane.url);
    cleanups.unshift(() => next.process.stop());
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
    cleanups.unshift(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Signed in through the real login route: the context's request client shares the browser's cookie jar.
    const login = await context.request.post(`${next.url}/auth/login`, { data: { token: controlPlane.adminToken } });
    if (!login.ok()) throw new Error(`signing in to the dashboard failed: ${login.status()} ${await login.text()}`);
    const page = await context.newPage();
    const canvas = page.getByTestId("graph-canvas");
    const ready = () => canvas.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
    // The first load warms Next's server (route compilation, caches): the figures are the dashboard's, not the first hit's.
    await page.goto(`${next.url}/graph`);
    await ready();
    const nodes = Number(await canvas.getAttribute("data-nodes"));
    if (nodes !== options.services) throw new Error(`the graph shows ${nodes} services, ${options.services} were seeded`);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const mainThreadMs = async () => 1000 * ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? Number.NaN);
    const interactiveMs: number[] = [];
    const busyMs: number[] = [];
    for (let i = 0; i < options.loads; i++) {
      await page.reload();
      await ready();
      interactiveMs.push(Number(await canvas.getAttribute("data-ready-at")));
      // Chromium starts these counters afresh with each document, so this is the load's own work.
      busyMs.push(await mainThreadMs());
    }
    const clickedAt = performance.now();
    await page.getByTestId("calls-table").getByRole("button").first().click();
    await page.getByTestId("edge-panel").waitFor({ timeout: 10_000 });
    const clickToPanelMs = performance.now() - clickedAt;

    const interactive = distribution(interactiveMs);
    const busy = distribution(busyMs);
    return {
      title: TITLE,
      method: [
        `- A real control plane on a fresh database with ${options.services} services registered through the join flow, heartbeating, and a minute of synthetic call metrics on ${mesh.edges.length} calls (apps/web/test/setup: syntheticMesh, registerInstances, reportTraffic).`,
        "- The dashboard as `next start` serves it (production build), in headless Chromium (/usr/bin/chromium, playwright-core).",
        `- /graph loaded once to warm the server, then reloaded ${options.loads} times. Interactive = milliseconds from navigation start until the page marks the graph ready (graph-canvas data-ready-at): data fetched, the fcose layout done and the view fitted, so it takes clicks. Main-thread busy = Chromium's TaskDuration for the loaded document when it is ready (CDP Performance metrics), i.e. the page's own work without time spent waiting for a CPU.`,
        "- Then a click on a call in the calls table, timed until its side panel shows.",
      ],
      figures: [
        { metric: `${options.services}-service graph interactive, median of ${options.loads}`, value: formatMs(interactive.p50), target: `< ${TARGET_MS} ms`, met: interactive.p50 < TARGET_MS },
        { metric: "interactive, best / worst", value: `${formatMs(Math.min(...interactiveMs))} / ${formatMs(interactive.max)}` },
        { metric: "main thread busy per load, median", value: formatMs(busy.p50) },
        { metric: "click on a call → side panel", value: formatMs(clickToPanelMs) },
      ],
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}
