import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { waitFor } from "@mesh/testkit";
import { exchange, plainSocket, statusLine } from "../security/raw-connection.ts";
import { MeshHarness, waitForRevision, type ServiceInstance } from "./harness.ts";

/**
 * WebSocket through both agents: the upgrade request is routed and authorized like any request,
 * then frames flow both ways until either side closes. The real `ws` client and server.
 */
let mesh: MeshHarness;
let web: ServiceInstance;
let chat: ServiceInstance;
let server: WebSocketServer;
/** Paths of the upgrades the app accepted. */
const upgraded: string[] = [];

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
metadata: { name: chat-rooms }
spec:
  target: chat
  action: allow
  from: [web]
  to: [{ paths: ["/rooms/*"] }]
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: chat }
spec: { timeout: 1s }
`);
  [web, chat] = await Promise.all([mesh.startInstance("web", "v1"), mesh.startInstance("chat", "v1")]);
  server = new WebSocketServer({ server: chat.server });
  server.on("connection", (socket, request) => {
    upgraded.push(request.url ?? "");
    socket.on("message", (data, isBinary) => socket.send(isBinary ? data : `echo: ${String(data)}`, { binary: isBinary }));
    socket.send("welcome");
  });
  await mesh.waitForEndpoints(web, "chat", { v1: 1 });
  await waitForRevision(chat, revision!);
});

afterAll(async () => {
  server?.close();
  await mesh?.close();
});

/** A WebSocket client that talks to `chat` through web's agent, as an app whose HTTP_PROXY is the agent does. */
function connect(path: string): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${web.ports.outbound}${path}`, { headers: { host: "chat" } });
}

function nextMessage(socket: WebSocket): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    socket.once("message", (data, isBinary) => resolve(isBinary ? (data as Buffer) : String(data)));
    socket.once("error", reject);
  });
}

describe("WebSocket through the mesh", () => {
  it("upgrades through both agents and carries frames both ways, text and binary", async () => {
    const socket = connect("/rooms/lobby");
    const welcome = nextMessage(socket);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    expect(await welcome).toBe("welcome");
    for (let i = 0; i < 20; i++) {
      const answer = nextMessage(socket);
      socket.send(`hello ${i}`);
      expect(await answer).toBe(`echo: hello ${i}`);
    }
    const big = Buffer.alloc(512 * 1024, 9);
    const answer = nextMessage(socket);
    socket.send(big);
    expect(Buffer.compare((await answer) as Buffer, big)).toBe(0);
    expect(upgraded).toContain("/rooms/lobby");
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    socket.close(1000, "bye");
    expect(await closed).toBe(1000);
  });

  it("keeps a connection open past the route's 1 s request timeout, and closes it when the app closes it", async () => {
    const socket = connect("/rooms/long");
    const welcome = nextMessage(socket);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    await welcome;
    // The timeout is for the upgrade's answer, not the connection's life.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const answer = nextMessage(socket);
    socket.send("still there?");
    expect(await answer).toBe("echo: still there?");
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    for (const client of server.clients) if (upgraded.at(-1) === "/rooms/long") client.close(4001, "app closed");
    expect(await closed).toBe(4001);
  });

  it("refuses an upgrade the access policy denies, with 403 before anything reaches the app", async () => {
    const before = upgraded.length;
    const socket = connect("/admin");
    const status = await new Promise<number>((resolve) => socket.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
    expect(upgraded.length).toBe(before);
  });

  it("counts the upgraded connection once it ends, as a 101, and the bytes it carried each way", async () => {
    const socket = connect("/rooms/metered");
    const welcome = nextMessage(socket);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    await welcome;
    const echoed = nextMessage(socket);
    socket.send("x".repeat(10_000));
    await echoed;
    socket.close();
    const metric = async (flow: string) => {
      const line = (await (await web.adminGet("/metrics")).text()).split("\n").find((l) => l.startsWith("mesh_upgraded_bytes_total{") && l.includes(`flow="${flow}"`));
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    await waitFor(async () => /mesh_requests_total\{[^}]*code="101"[^}]*\} [1-9]/.test(await (await web.adminGet("/metrics")).text()), {
      timeoutMs: 10_000,
      what: "web's agent to count the upgraded connection",
    });
    // 10,000 bytes of payload each way plus WebSocket framing (and the welcome); earlier tunnels count too.
    expect(await metric("from_client")).toBeGreaterThanOrEqual(10_000);
    expect(await metric("to_client")).toBeGreaterThanOrEqual(10_000 + "welcome".length);
  });

  it("serves the request of an upgrade it does not carry (h2c) as plain HTTP/1.1", async () => {
    const response = await exchange(await plainSocket(web.ports.outbound), [
      "GET /rooms/plain HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
    ]);
    expect(statusLine(response.response)).toBe("HTTP/1.1 200 OK");
    expect(response.response).not.toMatch(/upgrade/i);
  });

  it("refuses CONNECT with 405 connect-refused", async () => {
    const response = await exchange(await plainSocket(web.ports.outbound), ["CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"]);
    expect(statusLine(response.response)).toBe("HTTP/1.1 405 Method Not Allowed");
    expect(response.response).toMatch(/x-mesh-error: connect-refused/i);
  });
});
