import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsCredentials } from "../../src/state.ts";
import { credentialsOf, MeshHarness, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { exchange, plainSocket, statusLine, tlsSocket } from "./raw-connection.ts";

/** What the attack run found: a caller's X-Forwarded-* and Forwarded reached the app as written, and HTTP/1.0 without Host reached it with none. */
let mesh: MeshHarness;
let web: ServiceInstance;
let vault: ServiceInstance;
let webCredentials: TlsCredentials;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: permissive, defaultAccess: allow }
`);
  [web, vault] = await Promise.all([mesh.startInstance("web", "v1"), mesh.startInstance("vault", "v1")]);
  await mesh.waitForEndpoints(web, "vault", { v1: 1 });
  await waitForRevision(vault, revision!);
  webCredentials = await credentialsOf(web);
});

afterAll(() => mesh?.close());

const spoofing = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\nForwarded: host=evil.example;proto=https\r\n";

/** The echo app's view of the request: its path and headers. */
function echoed(response: string): { path: string; headers: Record<string, string> } {
  expect(statusLine(response)).toMatch(/^HTTP\/1\.1 200 /);
  const headEnd = response.indexOf("\r\n\r\n");
  let body = response.slice(headEnd + 4);
  if (/\r\ntransfer-encoding: chunked\r\n/i.test(response.slice(0, headEnd + 2))) body = dechunk(body);
  return JSON.parse(body) as { path: string; headers: Record<string, string> };
}

function dechunk(body: string): string {
  let out = "";
  for (let at = 0; ; ) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!size) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

describe("X-Forwarded-* and Forwarded", () => {
  it("from the app, through both agents: -For is appended to at each hop, -Proto and -Host say what the app sent, Forwarded is dropped", async () => {
    const response = await exchange(await plainSocket(web.ports.outbound), [`GET /x HTTP/1.1\r\nHost: vault\r\n${spoofing}Connection: close\r\n\r\n`]);
    const { headers } = echoed(response.response);
    expect(headers["x-forwarded-for"]).toBe("6.6.6.6, 127.0.0.1, 127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("vault");
    expect(headers.forwarded).toBeUndefined();
  });

  it("from a plaintext caller outside the mesh (permissive): none of its claims survive", async () => {
    const response = await exchange(await plainSocket(vault.ports.inbound), [`GET /x HTTP/1.1\r\nHost: vault\r\n${spoofing}Connection: close\r\n\r\n`]);
    const { headers } = echoed(response.response);
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("vault");
    expect(headers.forwarded).toBeUndefined();
  });
});

describe("HTTP/1.0 without Host", () => {
  it("at the inbound listener reaches the app with the service as its Host, like the same HTTP/1.1 request", async () => {
    const socket = await tlsSocket(vault.ports.inbound, webCredentials.caPem, webCredentials);
    const { headers, path: seen } = echoed((await exchange(socket, ["GET /old HTTP/1.0\r\n\r\n"])).response);
    expect(seen).toBe("/old");
    expect(headers.host).toBe("vault");
  });

  it("at the outbound listener, in absolute form, reaches the app with the named Host", async () => {
    const { headers } = echoed((await exchange(await plainSocket(web.ports.outbound), ["GET http://vault/old HTTP/1.0\r\n\r\n"])).response);
    expect(headers.host).toBe("vault");
  });
});
