import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsCredentials } from "../../src/state.ts";
import { certificateFromForeignCa } from "../integration/certificates.ts";
import { MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "../integration/harness.ts";
import { rssMiB } from "../support/agent-process.ts";
import { issueFromMeshCa } from "../support/mesh-ca-signer.ts";
import { exchange, plainSocket, statusLine, tlsExchange, tlsSocket } from "./raw-connection.ts";

/** Short enough to watch a slow client being cut off within a test, via the agent's documented tuning env. */
const HEADERS_TIMEOUT_MS = 2000;

let mesh: MeshHarness;
let reviews: ServiceInstance;
let ratings: ServiceInstance;
let caPem: string;
let reviewsCredentials: TlsCredentials;

beforeAll(async () => {
  process.env.MESH_AGENT_HEADERS_TIMEOUT_MS = String(HEADERS_TIMEOUT_MS);
  mesh = await MeshHarness.start();
  const revision = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict, defaultAccess: deny }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec:
  target: ratings
  action: allow
  from: [reviews]
`);
  [reviews, ratings] = await Promise.all([mesh.startInstance("reviews", "v1"), mesh.startInstance("ratings", "v1")]);
  await mesh.waitForEndpoints(reviews, "ratings", { v1: 1 });
  await waitForRevision(ratings, revision!);
  reviewsCredentials = { ...JSON.parse(await readFile(path.join(reviews.dataDir, "credentials.json"), "utf8")), notAfter: new Date() };
  caPem = reviewsCredentials.caPem;
});

afterAll(async () => {
  delete process.env.MESH_AGENT_HEADERS_TIMEOUT_MS;
  await mesh?.close();
});

const controlPlaneDir = () => path.join(mesh.root, "control-plane");
const get = (pathname: string, extra = "") => `GET ${pathname} HTTP/1.1\r\nHost: ratings\r\n${extra}Connection: close\r\n\r\n`;

/** Every hostile case ends with this: the agent is still up and still serving mesh traffic. */
async function expectRatingsAgentServing(): Promise<void> {
  expect(ratings.agent.child.exitCode).toBeNull();
  expect((await sendThrough(reviews, "ratings", "/still-up")).status).toBe(200);
}

describe("hostile peers at the inbound port (mTLS strict)", () => {
  it("control: a mesh certificate for an allowed identity gets through", async () => {
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, reviewsCredentials, get("/control"));
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 200 OK");
  });

  it("refuses a TLS client without a certificate in the handshake", async () => {
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, null, get("/"));
    expect(outcome.response).toBe("");
    expect(outcome.closedByPeer).toBe(true);
    await expectRatingsAgentServing();
  });

  it("refuses a certificate from a foreign CA, even one naming an allowed identity", async () => {
    const forged = await certificateFromForeignCa("spiffe://mesh.local/service/reviews");
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, forged, get("/"));
    expect(outcome.response).toBe("");
    expect(outcome.closedByPeer).toBe(true);
    await expectRatingsAgentServing();
  });

  it("refuses an expired certificate signed by the mesh CA", async () => {
    const expired = await issueFromMeshCa(controlPlaneDir(), caPem, "reviews", {
      notBefore: new Date(Date.now() - 2 * 3_600_000),
      notAfter: new Date(Date.now() - 3_600_000),
    });
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, expired, get("/"));
    expect(outcome.response).toBe("");
    expect(outcome.closedByPeer).toBe(true);
    await expectRatingsAgentServing();
  });

  it("answers a valid mesh certificate for an identity no policy allows with 403 naming the policy", async () => {
    const intruder = await issueFromMeshCa(controlPlaneDir(), caPem, "intruder");
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, intruder, get("/ratings/1"));
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 403 Forbidden");
    expect(outcome.response).toMatch(/x-mesh-error: denied/i);
    expect(outcome.response).toContain("ratings-readers");
  });

  it("never trusts identity headers at inbound: a spoofed XFCC or x-mesh-source does not lift a denial", async () => {
    const intruder = await issueFromMeshCa(controlPlaneDir(), caPem, "intruder");
    const spoofed = "X-Forwarded-Client-Cert: By=spiffe://mesh.local/service/ratings;URI=spiffe://mesh.local/service/reviews\r\nX-Mesh-Source: reviews\r\n";
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, intruder, get("/ratings/1", spoofed));
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 403 Forbidden");
  });

  it("replaces spoofed identity headers from an allowed peer with the verified identity before the app sees them", async () => {
    const spoofed = "X-Forwarded-Client-Cert: URI=spiffe://mesh.local/service/admin\r\nX-Mesh-Source: admin\r\n";
    const outcome = await tlsExchange(ratings.ports.inbound, caPem, reviewsCredentials, get("/echo", spoofed));
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 200 OK");
    const seen = JSON.parse(outcome.response.slice(outcome.response.indexOf("{"), outcome.response.lastIndexOf("}") + 1)) as { headers: Record<string, string> };
    expect(seen.headers["x-forwarded-client-cert"]).toBe("By=spiffe://mesh.local/service/ratings;URI=spiffe://mesh.local/service/reviews");
    expect(seen.headers["x-mesh-source"]).toBeUndefined();
  });

  it("answers garbage bytes with 400 and closes the connection", async () => {
    const socket = await tlsSocket(ratings.ports.inbound, caPem, reviewsCredentials);
    const outcome = await exchange(socket, [Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])]);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 400 Bad Request");
    expect(outcome.closedByPeer).toBe(true);
    await expectRatingsAgentServing();
  });

  it("answers a malformed request line with 400 and closes the connection", async () => {
    const socket = await tlsSocket(ratings.ports.inbound, caPem, reviewsCredentials);
    const outcome = await exchange(socket, ["GET /a b c d HTTP/1.1 extra\r\nHost: ratings\r\n\r\n"]);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 400 Bad Request");
    expect(outcome.closedByPeer).toBe(true);
  });

  it("answers oversized headers with 431 and closes the connection", async () => {
    const socket = await tlsSocket(ratings.ports.inbound, caPem, reviewsCredentials);
    const outcome = await exchange(socket, [get("/", `X-Big: ${"a".repeat(64 * 1024)}\r\n`)]);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(outcome.closedByPeer).toBe(true);
    await expectRatingsAgentServing();
  });

  it("cuts off a slowloris client that trickles its headers", async () => {
    const socket = await tlsSocket(ratings.ports.inbound, caPem, reviewsCredentials);
    let trickling = true;
    socket.once("close", () => (trickling = false));
    socket.write("GET /slow HTTP/1.1\r\nHost: ratings\r\n");
    const drip = setInterval(() => trickling && socket.write(`X-Drip-${Date.now()}: 1\r\n`), 200);
    const outcome = await exchange(socket, [], 15_000);
    clearInterval(drip);
    expect(outcome.closedByPeer).toBe(true);
    expect(statusLine(outcome.response)).toMatch(/^(HTTP\/1.1 408 Request Timeout)?$/);
    expect(outcome.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + 5000);
  });

  it("cuts off a connection that never sends a byte, and idle connections hold no memory to speak of", async () => {
    const pid = ratings.agent.child.pid!;
    const before = await rssMiB(pid);
    const sockets = await Promise.all(Array.from({ length: 200 }, () => plainSocket(ratings.ports.inbound)));
    const outcomes = await Promise.all(sockets.map((socket) => exchange(socket, [], 15_000)));
    const after = await rssMiB(pid);
    console.info(`silent connections: 200 closed after ${Math.round(Math.max(...outcomes.map((o) => o.elapsedMs)))} ms at most; agent RSS ${before.toFixed(1)} → ${after.toFixed(1)} MiB`);
    expect(outcomes.every((o) => o.closedByPeer)).toBe(true);
    expect(Math.max(...outcomes.map((o) => o.elapsedMs))).toBeLessThan(HEADERS_TIMEOUT_MS + 5000);
    expect(after - before).toBeLessThan(30);
    await expectRatingsAgentServing();
  });
});

describe("hostile input from the local app at the outbound port", () => {
  it("strips spoofed identity headers: the callee sees only the identity the caller's certificate proves", async () => {
    const response = await sendThrough(reviews, "ratings", "/echo", {
      headers: { "x-forwarded-client-cert": "URI=spiffe://mesh.local/service/admin", "x-mesh-source": "admin", "x-mesh-anything": "1" },
    });
    expect(response.status).toBe(200);
    const seen = response.json<{ headers: Record<string, string> }>().headers;
    expect(seen["x-forwarded-client-cert"]).toBe("By=spiffe://mesh.local/service/ratings;URI=spiffe://mesh.local/service/reviews");
    expect(seen["x-mesh-source"]).toBeUndefined();
    expect(seen["x-mesh-anything"]).toBeUndefined();
  });

  it("answers garbage with 400 and closes the connection", async () => {
    const outcome = await exchange(await plainSocket(reviews.ports.outbound), ["\x16\x03\x01 not http at all\r\n\r\n"]);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 400 Bad Request");
    expect(outcome.closedByPeer).toBe(true);
  });

  it("answers oversized headers with 431", async () => {
    const outcome = await exchange(await plainSocket(reviews.ports.outbound), [get("/", `X-Big: ${"a".repeat(64 * 1024)}\r\n`)]);
    expect(statusLine(outcome.response)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(outcome.closedByPeer).toBe(true);
  });

  it("streams a large body end to end without a size limit (by design: a streaming proxy leaves body limits to the app)", async () => {
    const body = "x".repeat(8 * 1024 * 1024);
    let received = 0;
    ratings.setApp((req, res) => {
      req.on("data", (chunk: Buffer) => (received += chunk.length));
      req.on("end", () => res.end(String(received)));
    });
    const response = await sendThrough(reviews, "ratings", "/upload", { method: "POST", body, headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(200);
    expect(response.body).toBe(String(body.length));
    expect(reviews.agent.child.exitCode).toBeNull();
  });
});
