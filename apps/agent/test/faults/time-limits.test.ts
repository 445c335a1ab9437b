import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsCredentials } from "../../src/state.ts";
import { credentialsOf, MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { exchange, plainSocket, statusLine, tlsSocket } from "../security/raw-connection.ts";

/**
 * The attack run's finding: with no TrafficPolicy timeout a hung upstream held the caller forever,
 * and bodies that trickled in were held open indefinitely, each pinning connections to the peer and
 * the app. Every listener has head, body and idle timeouts, and every route a default request timeout.
 */
const BODY_TIMEOUT_MS = 2000;
const IDLE_TIMEOUT_MS = 1500;
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

let mesh: MeshHarness;
let web: ServiceInstance;
let hung: ServiceInstance;
let webCredentials: TlsCredentials;
const held = new Set<ServerResponse>();

beforeAll(async () => {
  process.env.MESH_AGENT_BODY_TIMEOUT_MS = String(BODY_TIMEOUT_MS);
  process.env.MESH_AGENT_IDLE_TIMEOUT_MS = String(IDLE_TIMEOUT_MS);
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: allow }
`);
  [web, hung] = await Promise.all([
    mesh.startInstance("web", "v1"),
    // Never answers but to /quick (and reads bodies as they come): only a time limit of the mesh ends a request.
    mesh.startInstance("hung", "v1", (req, res) => {
      if (req.url === "/quick") return void res.end("quick");
      held.add(res);
      req.resume();
      res.once("close", () => held.delete(res));
    }),
  ]);
  await mesh.waitForEndpoints(web, "hung", { v1: 1 });
  await waitForRevision(hung, revision!);
  webCredentials = await credentialsOf(web);
});

afterAll(async () => {
  delete process.env.MESH_AGENT_BODY_TIMEOUT_MS;
  delete process.env.MESH_AGENT_IDLE_TIMEOUT_MS;
  await mesh?.close();
});

const connectTo = (listener: "outbound" | "inbound"): Promise<Socket> =>
  listener === "outbound" ? plainSocket(web.ports.outbound) : tlsSocket(hung.ports.inbound, webCredentials.caPem, webCredentials);

describe("time limits a user does not have to set", () => {
  it("a route without a TrafficPolicy timeout answers 504 timeout after the default 15 s, and releases the app", async () => {
    const response = await sendThrough(web, "hung", "/forever");
    expect(response.status).toBe(504);
    expect(response.headers["x-mesh-error"]).toBe("timeout");
    expect(response.durationMs).toBeGreaterThanOrEqual(DEFAULT_REQUEST_TIMEOUT_MS - 50);
    expect(response.durationMs).toBeLessThan(DEFAULT_REQUEST_TIMEOUT_MS + 1500);
    await expect.poll(() => held.size, { timeout: 5000 }).toBe(0);
  }, 30_000);

  it.each(["outbound", "inbound"] as const)("the %s listener answers a body that trickles in with 408 client-timeout", async (listener) => {
    const socket = await connectTo(listener);
    socket.write("POST /upload HTTP/1.1\r\nHost: hung\r\nContent-Length: 1000\r\n\r\n");
    const drip = setInterval(() => socket.destroyed || socket.write("x"), 200);
    const outcome = await exchange(socket, [], BODY_TIMEOUT_MS + 8000);
    clearInterval(drip);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 408 Request Timeout");
    expect(outcome.response).toMatch(/x-mesh-error: client-timeout/i);
    expect(outcome.closedByPeer).toBe(true);
    expect(outcome.elapsedMs).toBeLessThan(BODY_TIMEOUT_MS + 2500);
    await expect.poll(() => held.size, { timeout: 5000 }).toBe(0);
  });

  it.each(["outbound", "inbound"] as const)("the %s listener gives up a request whose client closed its side, releasing the app at once", async (listener) => {
    const socket = await connectTo(listener);
    socket.write("GET /abandoned HTTP/1.1\r\nHost: hung\r\n\r\n");
    await expect.poll(() => held.size, { timeout: 5000 }).toBe(1);
    const outcome = exchange(socket, []);
    socket.end();
    expect((await outcome).closedByPeer).toBe(true);
    await expect.poll(() => held.size, { timeout: 2000 }).toBe(0);
  });

  it.each(["outbound", "inbound"] as const)("the %s listener closes a kept-alive connection left idle after its answer", async (listener) => {
    const socket = await connectTo(listener);
    const outcome = await exchange(socket, ["GET /quick HTTP/1.1\r\nHost: hung\r\n\r\n"], IDLE_TIMEOUT_MS + 8000);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 200 OK");
    expect(outcome.closedByPeer).toBe(true);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
    expect(outcome.elapsedMs).toBeLessThan(IDLE_TIMEOUT_MS + 2500);
  });
});
