import { Agent, createServer, request, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createTcpServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Attempt, AttemptError } from "../../../src/endpoint/send-attempt.ts";
import { freePort } from "@mesh/testkit";

describe("one attempt to an upstream", () => {
  let server: Server;
  let port: number;
  /** Sockets on which the next request is answered by closing the connection, as a server timing out an idle one does. */
  const closeOnNextRequest = new Set<Socket>();
  let firstSocket: Socket | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (closeOnNextRequest.delete(req.socket)) return req.socket.destroy();
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
      firstSocket ??= req.socket;
      res.end(`ok ${req.method}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const send = (agent: Agent, path: string, method = "GET", timeoutMs = 0) =>
    new Attempt(request, { host: "127.0.0.1", port, path, method, agent }, null, timeoutMs).response.then(
      (res) => new Promise<string>((resolve) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve(body));
      }),
    );

  it("sends an idempotent request again when a reused keep-alive connection turns out closed", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await send(agent, "/")).toBe("ok GET");
    await new Promise((resolve) => setImmediate(resolve));
    closeOnNextRequest.add(firstSocket!);
    expect(await send(agent, "/")).toBe("ok GET");
    agent.destroy();
  });

  it("does not send a POST twice", async () => {
    firstSocket = undefined;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await send(agent, "/", "POST")).toBe("ok POST");
    await new Promise((resolve) => setImmediate(resolve));
    closeOnNextRequest.add(firstSocket!);
    const failure = await send(agent, "/", "POST").catch((error: AttemptError) => error);
    expect(failure).toBeInstanceOf(AttemptError);
    expect((failure as AttemptError).failure).toBe("reset");
    agent.destroy();
  });

  it("names a refused connection a connect failure", async () => {
    const closed = await freePort();
    const failure = await new Attempt(request, { host: "127.0.0.1", port: closed, path: "/" }, null, 0).response.catch((error: AttemptError) => error);
    expect((failure as AttemptError).failure).toBe("connect-failure");
  });

  it("names a connection that never completes its handshake a connect failure, after the connect timeout", async () => {
    const silent = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const started = performance.now();
      const failure = await new Attempt(httpsRequest, { host: "127.0.0.1", port: silentPort, path: "/", agent: false }, null, 0, 200).response.catch(
        (error: AttemptError) => error,
      );
      expect((failure as AttemptError).failure).toBe("connect-failure");
      expect((failure as AttemptError).message).toContain("no connection within 200 ms");
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      silent.close();
    }
  });

  it("gives up after the per-try timeout", async () => {
    const started = performance.now();
    const failure = await send(new Agent(), "/slow", "GET", 150).catch((error: AttemptError) => error);
    expect((failure as AttemptError).failure).toBe("per-try-timeout");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
