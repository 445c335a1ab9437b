import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  // The cookie carries a server-side session's secret, never the operator token itself.
  expect(cookie).toMatchObject({ value: expect.stringMatching(/^mesh_session_/), httpOnly: true, sameSite: "Strict" });
  expect(cookie!.value).not.toContain(env.editorToken);
  const copied = cookie!.value;
  await expect(whoamiWithCookie(copied)).resolves.toMatchObject({ kind: "operator", name: "eddie-editor" });

  // The overview's figures come through the session cookie + x-mesh-client header.
  await expect.poll(() => page.getByTestId("overview-agents").textContent(), { timeout: 15_000 }).toMatch(/Agents online8\s*\/ 8/);
  await screenshot(page, "overview");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${env.webUrl}/login`);
  expect((await context.cookies()).find((c) => c.name === "mesh_session")).toBeUndefined();
  // Logout ended the session on the server: a copy of the cookie taken before it no longer works.
  await expect(whoamiWithCookie(copied)).resolves.toBeNull();
  await context.close();
});

/** auth.whoami through the dashboard's /trpc, as the browser calls it: session cookie plus x-mesh-client. */
async function whoamiWithCookie(secret: string): Promise<unknown> {
  const response = await fetch(`${env.webUrl}/trpc/auth.whoami`, { headers: { cookie: `mesh_session=${secret}`, "x-mesh-client": "web" } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: { data: unknown } }).result.data;
}

it("refuses a cross-site form that would sign the visitor in with the attacker's token (login CSRF)", async () => {
  // The attacker's page: another site (localhost is not 127.0.0.1's site) whose form posts text/plain shaped as JSON.
  const attacker = createServer((_req, res) => {
    const name = JSON.stringify({ token: env.viewerToken, padding: "" }).slice(0, -2);
    res.writeHead(200, { "content-type": "text/html" }).end(
      `<form id="f" method="POST" action="${env.webUrl}/auth/login" enctype="text/plain"><input name='${name}' value='"}'></form><script>document.getElementById("f").submit()</script>`,
    );
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const answer = page.waitForResponse((response) => response.url() === `${env.webUrl}/auth/login`);
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    const response = await answer;
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain("refused: a cross-site request (Sec-Fetch-Site) may not sign in or out");
    expect((await context.cookies(env.webUrl)).find((c) => c.name === "mesh_session")).toBeUndefined();
  } finally {
    await context.close();
    await new Promise((resolve) => attacker.close(resolve));
  }
});

it("refuses a login from a foreign Origin, and any body but JSON, over plain HTTP", async () => {
  const login = (headers: Record<string, string>, body = JSON.stringify({ token: env.viewerToken })) =>
    fetch(`${env.webUrl}/auth/login`, { method: "POST", headers, body });
  const foreign = await login({ "content-type": "application/json", origin: "https://evil.example" });
  expect(foreign.status).toBe(403);
  expect(((await foreign.json()) as { error: string }).error).toBe(`refused: Origin https://evil.example is not this dashboard (${new URL(env.webUrl).host})`);
  expect(foreign.headers.get("set-cookie")).toBeNull();

  const plain = await login({ "content-type": "text/plain", origin: env.webUrl });
  expect(plain.status).toBe(415);
  expect(((await plain.json()) as { error: string }).error).toBe("send the token as application/json, not text/plain");

  const same = await login({ "content-type": "application/json", origin: env.webUrl, "sec-fetch-site": "same-origin" });
  expect(same.status).toBe(200);
  expect(same.headers.get("set-cookie")).toMatch(/^mesh_session=mesh_session_[^;]+;.*HttpOnly.*SameSite=strict/i);
  // Behind a proxy that rewrites Host, the browser's own Sec-Fetch-Site still vouches for a same-origin sign-in.
  const proxied = await login({ "content-type": "application/json", origin: "https://dashboard.example", "sec-fetch-site": "same-origin" });
  expect(proxied.status).toBe(200);
  const crossSite = await login({ "content-type": "application/json", origin: env.webUrl, "sec-fetch-site": "same-site" });
  expect(crossSite.status).toBe(403);
});
