import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_TIMEOUTS } from "../../src/server.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { databaseFingerprint } from "./database-fingerprint.ts";

let mesh: TestControlPlane;
let editor: string;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  editor = (await mesh.admin.tokens.create.mutate({ role: "editor", name: "eddie" })).token;
  await mesh.client(editor).auth.whoami.query();
});
afterAll(() => mesh?.close());

const APPLY_BODY = JSON.stringify({ yaml: "apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: { name: forged }\nspec: {}\n" });
const fingerprint = () => databaseFingerprint(mesh.database.url);

/** Opens a raw connection, sends `head`, then one header line per `trickleMs`; resolves with what the server said and when it closed. */
function slowClient(head: string, trickleMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  const { port } = new URL(mesh.controlPlane.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    let line = 0;
    const trickle = setInterval(() => socket.writable && socket.write(`x-slow-${line++}: y\r\n`), trickleMs);
    socket.on("connect", () => socket.write(head));
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(trickle);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
    setTimeout(() => {
      clearInterval(trickle);
      socket.destroy();
      reject(new Error("the server kept a slow-header client open for 30 s"));
    }, 30_000);
  });
}

describe("HTTP limits of the API server", () => {
  it("answers 431 to oversized request headers", async () => {
    const response = await fetch(`${mesh.controlPlane.url}/trpc/auth.whoami`, { headers: { authorization: `Bearer ${mesh.controlPlane.adminToken}`, "x-padding": "x".repeat(20_000) } });
    expect(response.status).toBe(431);
    const longToken = await fetch(`${mesh.controlPlane.url}/trpc/auth.whoami`, { headers: { authorization: `Bearer mesh_op_${"a".repeat(64 * 1024)}` } });
    expect(longToken.status).toBe(431);
  });

  it("times out clients that never finish their headers, silent or trickling (slowloris), in about headersTimeout", async () => {
    const [silent, trickling] = await Promise.all([
      slowClient("GET /healthz HTTP/1.1\r\nHost: x\r\n", 60_000),
      slowClient("POST /trpc/resources.applyDocuments HTTP/1.1\r\nHost: x\r\n", 500),
    ]);
    for (const client of [silent, trickling]) {
      expect(client.answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(client.closedAfterMs).toBeGreaterThanOrEqual(HTTP_TIMEOUTS.headersTimeoutMs - 500);
      expect(client.closedAfterMs).toBeLessThan(HTTP_TIMEOUTS.headersTimeoutMs + HTTP_TIMEOUTS.checkIntervalMs + 5_000);
    }
    await expect(fetch(`${mesh.controlPlane.url}/healthz`).then((r) => r.status)).resolves.toBe(200);
  });
});

describe("cross-site request forgery", () => {
  const cookie = () => `mesh_session=${encodeURIComponent(editor)}`;

  it("treats a request carrying only the session cookie (no x-mesh-client: web) as unauthenticated", async () => {
    const before = await fingerprint();
    const response = await fetch(`${mesh.controlPlane.url}/trpc/resources.applyDocuments`, { method: "POST", headers: { cookie: cookie(), "content-type": "application/json" }, body: APPLY_BODY });
    expect(response.status).toBe(401);
    const whoami = await fetch(`${mesh.controlPlane.url}/trpc/auth.whoami`, { headers: { cookie: cookie(), "x-mesh-client": "other" } });
    expect(await whoami.json()).toMatchObject({ result: { data: null } });
    expect(await fingerprint()).toEqual(before);
  });

  it("a cross-site form POST (urlencoded, text/plain, multipart) or a GET cannot mutate, even with the cookie", async () => {
    const before = await fingerprint();
    const url = `${mesh.controlPlane.url}/trpc/resources.applyDocuments`;
    const form = new FormData();
    form.set("yaml", "apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: { name: forged }\nspec: {}\n");
    const attempts: [string, RequestInit][] = [
      ["urlencoded", { method: "POST", headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" }, body: `yaml=${encodeURIComponent("kind: TrafficPolicy")}` }],
      ["text/plain", { method: "POST", headers: { cookie: cookie(), "content-type": "text/plain" }, body: APPLY_BODY }],
      ["multipart", { method: "POST", headers: { cookie: cookie() }, body: form }],
      ["text/plain with the header", { method: "POST", headers: { cookie: cookie(), "x-mesh-client": "web", "content-type": "text/plain" }, body: APPLY_BODY }],
    ];
    for (const [what, init] of attempts) {
      const response = await fetch(url, init);
      expect([what, [401, 415].includes(response.status)]).toEqual([what, true]);
    }
    const viaGet = await fetch(`${url}?input=${encodeURIComponent(APPLY_BODY)}`, { headers: { cookie: cookie(), "x-mesh-client": "web" } });
    expect(viaGet.status).toBe(405);
    expect(await fingerprint()).toEqual(before);
  });

  it("grants no cross-origin access: a preflight gets no Access-Control-Allow-* headers", async () => {
    const preflight = await fetch(`${mesh.controlPlane.url}/trpc/resources.applyDocuments`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "x-mesh-client, content-type" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
