import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { REPO_ROOT } from "@mesh/testkit";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Where screenshots go. Tests never rewrite tracked files: by default a directory under the system's
 * temp dir (look at them there); `pnpm screenshots` sets MESH_SCREENSHOT_DIR=docs/screenshots to
 * refresh the README's pictures on purpose.
 */
export const SCREENSHOT_DIR = process.env.MESH_SCREENSHOT_DIR ? path.resolve(REPO_ROOT, process.env.MESH_SCREENSHOT_DIR) : path.join(tmpdir(), "mesh-web-screenshots");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
}

/** A page whose context is signed in through the real login route: its cookie jar holds the session it set. */
export async function signedInPage(browser: Browser, webUrl: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  // The context's request client shares the browser's cookie jar, so the Set-Cookie of /auth/login lands there.
  const login = await context.request.post(`${webUrl}/auth/login`, { data: { token } });
  if (!login.ok()) throw new Error(`signing in to ${webUrl} failed: ${login.status()} ${await login.text()}`);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

/**
 * The whole page from the top. The sidebar is fixed to the viewport, which a full-page capture would leave
 * stranded mid-page, so for the picture it scrolls with the page instead.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // Let charts and panels finish loading; live pages poll, so "idle" is a pause between polls.
  await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => undefined);
  await page.evaluate(() => window.scrollTo(0, 0));
  const style = await page.addStyleTag({ content: ".sidebar { position: absolute !important; bottom: auto !important; min-height: 100vh; }" });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  await style.evaluate((element) => (element as HTMLStyleElement).remove());
}
