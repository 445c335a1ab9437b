import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsCredentials } from "../../src/state.ts";
import { credentialsOf, MeshHarness, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { exchange, plainSocket, statusLine, tlsSocket } from "./raw-connection.ts";

/**
 * RFC 9112 §6 (message body length) and §11 (security), and the CL.TE / TE.CL / TE.TE request
 * smuggling classes from published proxy advisories, sent byte for byte to both listeners. Each
 * case asserts the exact answer, that the app saw only what the agent meant it to, and that the
 * next client on the listener is served.
 */
const HEAD_TIMEOUT_MS = 1500;

let mesh: MeshHarness;
let web: ServiceInstance;
let vault: ServiceInstance;
let webCredentials: TlsCredentials;
/** What the app received: method, path and body of each request. */
const appSaw: string[] = [];

beforeAll(async () => {
  process.env.MESH_AGENT_HEADERS_TIMEOUT_MS = String(HEAD_TIMEOUT_MS);
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: allow }
`);
  [web, vault] = await Promise.all([
    mesh.startInstance("web", "v1"),
    mesh.startInstance("vault", "v1", (req, res) => {
      let body = "";
      req.setEncoding("latin1");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        appSaw.push(`${req.method} ${req.url} ${JSON.stringify(body)}`);
        res.end(`ok ${req.method} ${req.url} ${body.length}`);
      });
    }),
  ]);
  await mesh.waitForEndpoints(web, "vault", { v1: 1 });
  await waitForRevision(vault, revision!);
  webCredentials = await credentialsOf(web);
});

afterAll(async () => {
  delete process.env.MESH_AGENT_HEADERS_TIMEOUT_MS;
  await mesh?.close();
});

type Listener = "outbound" | "inbound";
const connectTo = (listener: Listener): Promise<Socket> =>
  listener === "outbound" ? plainSocket(web.ports.outbound) : tlsSocket(vault.ports.inbound, webCredentials.caPem, webCredentials);

async function send(listener: Listener, chunks: (string | Buffer)[], timeoutMs = 10_000): Promise<string> {
  return (await exchange(await connectTo(listener), chunks, timeoutMs)).response;
}

/** The next client on the same listener gets an ordinary answer. */
async function expectServing(listener: Listener): Promise<void> {
  const response = await send(listener, ["GET /next HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n"]);
  expect(statusLine(response)).toBe("HTTP/1.1 200 OK");
}

const H = "Host: vault\r\n";

/** [name, request bytes, expected status line]: each must be refused before anything reaches the app. */
const refused: [string, string, string][] = [
  ["CL.TE: Content-Length and Transfer-Encoding together", `POST /a HTTP/1.1\r\n${H}Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED`, "HTTP/1.1 400 Bad Request"],
  ["TE.CL: Transfer-Encoding before Content-Length", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["duplicate Content-Length, same value", `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, "HTTP/1.1 400 Bad Request"],
  ["duplicate Content-Length, different values", `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, "HTTP/1.1 400 Bad Request"],
  ["Content-Length as a list", `POST /a HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, "HTTP/1.1 400 Bad Request"],
  ["negative Content-Length", `POST /a HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["Content-Length with a sign", `POST /a HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, "HTTP/1.1 400 Bad Request"],
  ["Content-Length not a number", `POST /a HTTP/1.1\r\n${H}Content-Length: 5x\r\n\r\nhello`, "HTTP/1.1 400 Bad Request"],
  ["TE.TE: an unknown coding (xchunked)", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, "HTTP/1.1 501 Not Implemented"],
  ["TE.TE: chunked not last", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, "HTTP/1.1 501 Not Implemented"],
  ["TE.TE: two Transfer-Encoding fields", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["TE.TE: whitespace before the colon", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["Transfer-Encoding in HTTP/1.0", `POST /a HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["obs-fold (a continuation line)", `GET /a HTTP/1.1\r\n${H}X-Folded: a\r\n b\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["bare LF line endings", `GET /a HTTP/1.1\n${H.replace("\r\n", "\n")}\n`, "HTTP/1.1 400 Bad Request"],
  ["bare CR inside a header value", `GET /a HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["NUL in a header value", `GET /a HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["invalid character in a header name", `GET /a HTTP/1.1\r\n${H}X"A: b\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["invalid character in the method", `G(T /a HTTP/1.1\r\n${H}\r\n`, "HTTP/1.1 400 Bad Request"],
  ["a space inside the target", `GET /a b HTTP/1.1\r\n${H}\r\n`, "HTTP/1.1 400 Bad Request"],
  ["an unsupported HTTP version", `GET /a HTTP/2.0\r\n${H}\r\n`, "HTTP/1.1 505 HTTP Version Not Supported"],
  ["HTTP/1.1 without Host", "GET /a HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"],
  ["two Host fields", `GET /a HTTP/1.1\r\n${H}Host: other\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["a head over 64 KiB", `GET /a HTTP/1.1\r\n${H}X-Big: ${"a".repeat(70 * 1024)}\r\n\r\n`, "HTTP/1.1 431 Request Header Fields Too Large"],
  ["a chunk size that is not hex", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["a chunk size with leading whitespace", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["a chunk size that overflows", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhello\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
  ["chunk data not followed by CRLF", `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
];

describe.each(["outbound", "inbound"] as const)("the %s listener", (listener) => {
  it.each(refused)("refuses %s, and the next client is served", async (_name, request, expected) => {
    const before = appSaw.length;
    const response = await send(listener, [request]);
    expect(statusLine(response)).toBe(expected);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(appSaw.length).toBe(before);
    await expectServing(listener);
  });

  it("carries a chunked body with chunk extensions, decoded and re-framed", async () => {
    const response = await send(listener, [`POST /chunks HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n6;a;b="c"\r\n world\r\n0\r\n\r\n`]);
    expect(statusLine(response)).toBe("HTTP/1.1 200 OK");
    expect(response).toMatch(/ok POST \/chunks 11/);
  });

  it("accepts OWS (a tab) around a field value, as RFC 9110 allows", async () => {
    const response = await send(listener, [`POST /tab HTTP/1.1\r\n${H}Content-Length:\t3 \r\nConnection: close\r\n\r\nabc`]);
    expect(statusLine(response)).toBe("HTTP/1.1 200 OK");
    expect(response).toMatch(/ok POST \/tab 3/);
  });

  it("answers pipelined requests in order, each with its own body", async () => {
    const before = appSaw.length;
    const response = await send(listener, [
      `POST /one HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /two HTTP/1.1\r\n${H}\r\nPOST /three HTTP/1.1\r\n${H}Content-Length: 2\r\nConnection: close\r\n\r\nxy`,
    ]);
    expect(response.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    expect([...response.matchAll(/ok (\w+ \/\w+ \d+)/g)].map((m) => m[1])).toEqual(["POST /one 3", "GET /two 0", "POST /three 2"]);
    expect(appSaw.slice(before)).toEqual(['POST /one "abc"', 'GET /two ""', 'POST /three "xy"']);
  });

  it("closes a half-closed connection whose head never finished, without an answer, and serves the next client", async () => {
    const before = appSaw.length;
    const socket = await connectTo(listener);
    const outcome = exchange(socket, [`GET /half HTTP/1.1\r\n${H}X-Partial: `]);
    socket.end();
    expect(await outcome).toMatchObject({ response: "", closedByPeer: true });
    expect(appSaw.length).toBe(before);
    await expectServing(listener);
  });

  it("ignores an empty line before the request line (RFC 9112 §2.2)", async () => {
    const response = await send(listener, [`\r\nGET /after-blank HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    expect(statusLine(response)).toBe("HTTP/1.1 200 OK");
  });

  it("cuts off a head that trickles in slower than the head timeout with 408", async () => {
    const socket = await connectTo(listener);
    const request = `GET /slow HTTP/1.1\r\n${H}X-Slow: ${"s".repeat(40)}\r\n\r\n`;
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < request.length && !socket.destroyed) socket.write(request[sent++]!);
    }, 100);
    const outcome = await exchange(socket, [], HEAD_TIMEOUT_MS + 8000);
    clearInterval(drip);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 408 Request Timeout");
    expect(outcome.elapsedMs).toBeLessThan(HEAD_TIMEOUT_MS + 3000);
    await expectServing(listener);
  });

  it("keeps the connection for the next request after a Content-Length body, and closes on Connection: close", async () => {
    const response = await send(listener, [`POST /k1 HTTP/1.1\r\n${H}Content-Length: 1\r\n\r\nzGET /k2 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    expect(response.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
  });
});
