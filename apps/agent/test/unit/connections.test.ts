import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDataPlane, type DataPlane } from "../../src/data-plane.ts";
import { AgentState } from "../../src/state.ts";
import { exchange, plainSocket } from "../security/raw-connection.ts";
import { httpCall, snapshot, trafficPolicy } from "../support/mesh-fixture.ts";
import { createTestPki } from "../support/test-pki.ts";

/**
 * The connections under the request path: kept alive to the app and to peers, a pooled connection
 * the upstream had just closed, bodies larger than any buffer in both directions, and answers framed
 * for the client's HTTP version. Real sockets, real TLS between two data planes.
 */
describe("connections of the request path", () => {
  let app: Server;
  let appPort: number;
  /** Each app-side socket the app saw, in order of the requests on it. */
  const requestSockets: Socket[] = [];
  /** Sockets on which the app answers the next request by closing the connection, as a server timing out an idle one does. */
  const closeOnNextRequest = new Set<Socket>();
  let caller: DataPlane;
  let callee: DataPlane;

  beforeAll(async () => {
    app = createServer((req, res) => {
      if (closeOnNextRequest.delete(req.socket)) return void req.socket.destroy();
      requestSockets.push(req.socket);
      if (req.url === "/chunked") {
        res.write("part one, ");
        res.end("part two");
        return;
      }
      if (req.url === "/upload") {
        const hash = createHash("sha256");
        let bytes = 0;
        req.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        req.on("end", () => res.end(`${bytes} ${hash.digest("hex")}`));
        return;
      }
      if (req.url === "/download") {
        const block = Buffer.alloc(64 * 1024, 7);
        res.writeHead(200, { "content-length": String(block.length * 64) });
        for (let i = 0; i < 64; i++) res.write(block);
        res.end();
        return;
      }
      res.end(`ok ${req.method} ${req.url}`);
    });
    app.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    appPort = (app.address() as { port: number }).port;

    const pki = await createTestPki();
    const calleeState = new AgentState("ratings", "v1");
    calleeState.setCredentials(await pki.issue("ratings"));
    calleeState.setSnapshot(snapshot({ service: "ratings" }));
    callee = await startDataPlane({ state: calleeState, appPort, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
    const callerState = new AgentState("reviews", "v1");
    callerState.setCredentials(await pki.issue("reviews"));
    callerState.setSnapshot(
      snapshot({
        service: "reviews",
        // Retries make small bodies replayable (held whole), so both body paths are exercised: held and streamed.
        destinations: { ratings: { trafficPolicy: trafficPolicy({ retries: { attempts: 2 } }), endpoints: [{ instanceId: "11111111-1111-4111-8111-111111111111", version: "v1", address: "127.0.0.1", port: callee.inboundPort }] } },
      }),
    );
    caller = await startDataPlane({ state: callerState, appPort: 1, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
  });

  afterAll(async () => {
    await Promise.all([caller?.close(100), callee?.close(100)]);
    app.closeAllConnections();
    app.close();
  });

  const get = (path: string) => httpCall(caller.outboundPort, path, { headers: { host: "ratings" } });

  it("keeps one connection to the app for requests in sequence", async () => {
    requestSockets.length = 0;
    for (let i = 0; i < 5; i++) expect((await get(`/seq/${i}`)).body).toBe(`ok GET /seq/${i}`);
    expect(new Set(requestSockets).size).toBe(1);
  });

  it("sends a GET again on a fresh connection when the kept-alive one was closed by the app as it was reused", async () => {
    await get("/warm");
    closeOnNextRequest.add(requestSockets.at(-1)!);
    const reply = await get("/after-stale");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("ok GET /after-stale");
    expect(closeOnNextRequest.size).toBe(0);
  });

  it("streams a 4 MiB upload whole, with a chunked body of unknown length", async () => {
    const socket = await plainSocket(caller.outboundPort);
    const block = Buffer.alloc(256 * 1024, 3);
    const expected = createHash("sha256");
    const chunks: (string | Buffer)[] = ["POST /upload HTTP/1.1\r\nHost: ratings\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"];
    for (let i = 0; i < 16; i++) {
      expected.update(block);
      chunks.push(`${block.length.toString(16)}\r\n`, block, "\r\n");
    }
    chunks.push("0\r\n\r\n");
    const outcome = await exchange(socket, chunks, 30_000);
    expect(outcome.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(outcome.response).toContain(`${16 * block.length} ${expected.digest("hex")}`);
  });

  it("relays a 4 MiB answer whole to a client that reads slowly", async () => {
    const socket = await plainSocket(caller.outboundPort);
    socket.write("GET /download HTTP/1.1\r\nHost: ratings\r\nConnection: close\r\n\r\n");
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    let bytes = 0;
    socket.on("data", (chunk: Buffer) => (bytes += chunk.length));
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
  });

  it("answers 100 Continue to a client that waits for it before sending a body, held for retries or streamed", async () => {
    for (const size of [10, 200 * 1024]) {
      const socket = await plainSocket(caller.outboundPort);
      socket.write(`POST /upload HTTP/1.1\r\nHost: ratings\r\nContent-Length: ${size}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
      let seen = "";
      socket.setEncoding("latin1");
      await new Promise<void>((resolve) => {
        const onData = (chunk: string) => {
          seen += chunk;
          if (!seen.includes("100 Continue")) return;
          socket.off("data", onData);
          resolve();
        };
        socket.on("data", onData);
      });
      const outcome = await exchange(socket, [Buffer.alloc(size, 1)]);
      expect(outcome.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(outcome.response).toContain(`\r\n\r\n${size} `);
    }
  });

  it("answers an HTTP/1.0 client's chunked answer unchunked, ending it with the connection", async () => {
    const outcome = await exchange(await plainSocket(caller.outboundPort), ["GET http://ratings/chunked HTTP/1.0\r\n\r\n"]);
    expect(outcome.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(outcome.response).not.toMatch(/transfer-encoding/i);
    expect(outcome.response).toMatch(/\r\nconnection: close\r\n/i);
    expect(outcome.response.endsWith("\r\n\r\npart one, part two")).toBe(true);
    expect(outcome.closedByPeer).toBe(true);
  });

  it("re-chunks an app's chunked answer for an HTTP/1.1 client and keeps the connection", async () => {
    const outcome = await exchange(await plainSocket(caller.outboundPort), ["GET /chunked HTTP/1.1\r\nHost: ratings\r\n\r\nGET /then HTTP/1.1\r\nHost: ratings\r\nConnection: close\r\n\r\n"]);
    expect(outcome.response).toMatch(/transfer-encoding: chunked\r\n/i);
    expect(outcome.response).toContain("part one, ");
    expect(outcome.response.endsWith("ok GET /then")).toBe(true);
  });
});
