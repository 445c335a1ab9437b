import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsCredentials } from "../../src/state.ts";
import { credentialsOf, MeshHarness, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { exchange, plainSocket, statusLine, tlsSocket } from "./raw-connection.ts";

/**
 * The attack run's finding: AccessPolicy matched the raw path, so dot segments, escapes and
 * backslashes reached a denied `/admin` of an app that normalises paths itself. Raw sockets,
 * because every HTTP client normalises the path before it sends it.
 */
let mesh: MeshHarness;
let web: ServiceInstance;
let vault: ServiceInstance;
let webCredentials: TlsCredentials;
const appSaw: string[] = [];

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: deny }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: vault-public }
spec:
  target: vault
  action: allow
  from: [web]
  to: [{ methods: [GET], paths: ["/public/*"] }]
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: no-admin }
spec:
  target: vault
  action: deny
  from: ["*"]
  to: [{ paths: ["/admin", "/admin/*"] }]
`);
  [web, vault] = await Promise.all([
    mesh.startInstance("web", "v1"),
    mesh.startInstance("vault", "v1", (req, res) => {
      appSaw.push(req.url ?? "");
      res.end(`vault saw ${req.url}`);
    }),
  ]);
  await mesh.waitForEndpoints(web, "vault", { v1: 1 });
  await waitForRevision(vault, revision!);
  webCredentials = await credentialsOf(web);
});

afterAll(() => mesh?.close());

const request = (target: string) => `GET ${target} HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n`;

/** Through web's outbound listener (what the app's HTTP_PROXY reaches), then mTLS to vault's agent. */
async function viaOutbound(target: string): Promise<string> {
  return (await exchange(await plainSocket(web.ports.outbound), [request(target)])).response;
}

/** Straight at vault's inbound listener with web's own mesh certificate: a caller that skips its agent. */
async function viaInbound(target: string): Promise<string> {
  return (await exchange(await tlsSocket(vault.ports.inbound, webCredentials.caPem, webCredentials), [request(target)])).response;
}

const bypasses = [
  "/public/../admin",
  "/public/%2e%2e/admin",
  "/public/%2E%2E/admin",
  "/public\\..\\admin",
  "/public/./../admin/keys",
  "//admin",
  "http://vault/public/../admin",
];

describe.each([
  ["outbound", viaOutbound],
  ["inbound", viaInbound],
])("AccessPolicy on the normalised path, at the %s listener", (_listener, send) => {
  it.each(bypasses)("%s is denied by no-admin and never reaches the app", async (target) => {
    const before = appSaw.length;
    const response = await send(target);
    expect(statusLine(response)).toBe("HTTP/1.1 403 Forbidden");
    expect(response).toMatch(/x-mesh-error: denied/i);
    expect(response).toMatch(/x-mesh-policy: no-admin/i);
    expect(appSaw.slice(before)).toEqual([]);
  });

  it("refuses an encoded slash with 400 invalid-path, before any policy", async () => {
    const before = appSaw.length;
    const response = await send("/public/%2E%2E%2Fadmin");
    expect(statusLine(response)).toBe("HTTP/1.1 400 Bad Request");
    expect(response).toMatch(/x-mesh-error: invalid-path/i);
    expect(response).toMatch(/encoded slash \(%2F\)/);
    expect(appSaw.slice(before)).toEqual([]);
  });

  it("forwards the normalised path: the app receives exactly what was authorized", async () => {
    const before = appSaw.length;
    expect(statusLine(await send("/public/./a/../doc%2Etxt?v=1"))).toBe("HTTP/1.1 200 OK");
    expect(statusLine(await send("/public/x#/../../admin"))).toBe("HTTP/1.1 200 OK");
    expect(appSaw.slice(before)).toEqual(["/public/doc.txt?v=1", "/public/x"]);
  });
});

it("mesh check gives the agents' answer for the same paths", async () => {
  for (const target of bypasses.filter((t) => t.startsWith("/"))) {
    const decision = await mesh.operator.policies.check.query({ from: "web", to: "vault", method: "GET", path: target });
    expect(decision, target).toMatchObject({ allowed: false, policy: "no-admin" });
  }
  expect(await mesh.operator.policies.check.query({ from: "web", to: "vault", method: "GET", path: "/public/%2E%2E%2Fadmin" })).toMatchObject({
    allowed: false,
    path: null,
  });
});
