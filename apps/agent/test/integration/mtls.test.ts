import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { certificateFromForeignCa } from "./certificates.ts";
import { connect } from "node:net";
import { MeshHarness, sendThrough, waitForRevision, type ServiceInstance } from "./harness.ts";

let mesh: MeshHarness;
let caller: ServiceInstance;
let ratings: ServiceInstance;

beforeAll(async () => {
  mesh = await MeshHarness.start();
  await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict }
`);
  [caller, ratings] = await Promise.all([mesh.startInstance("reviews", "v1"), mesh.startInstance("ratings", "v1")]);
  await mesh.waitForEndpoints(caller, "ratings", { v1: 1 });
});

afterAll(() => mesh?.close());

/** How a direct request ended: its status, or the error code and whether the TLS handshake had completed first. */
interface DirectOutcome {
  status?: number;
  code?: string;
  handshakeCompleted?: boolean;
}

/** GET / straight at ratings' inbound port, bypassing the caller's agent. */
function direct(options: RequestOptions, tls: boolean): Promise<DirectOutcome> {
  return new Promise((resolve) => {
    let handshakeCompleted = false;
    const send = tls ? httpsRequest : httpRequest;
    const req = send({ host: "127.0.0.1", port: ratings.ports.inbound, path: "/", timeout: 5000, agent: false, ...options }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("socket", (socket) => socket.once("secureConnect", () => (handshakeCompleted = true)));
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "TEST_TIMEOUT" })));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ code: error.code, ...(tls ? { handshakeCompleted } : {}) }));
    req.end();
  });
}

/** Plaintext HTTP on a raw socket: every byte the inbound port sent back before it closed the connection. */
function rawPlaintext(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(ratings.ports.inbound, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: ratings\r\n\r\n"));
    let received = "";
    socket.setTimeout(5000, () => socket.destroy(new Error("the inbound port neither answered nor closed within 5 s")));
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => resolve(received));
  });
}

const meshServerTrust = async () => {
  const credentials = JSON.parse(await readFile(path.join(caller.dataDir, "credentials.json"), "utf8")) as { keyPem: string; certificatePem: string; caPem: string };
  // The server's certificate names a SPIFFE URI, not a DNS name; trust comes from the mesh CA alone.
  return { credentials, tls: { ca: credentials.caPem, checkServerIdentity: () => undefined } };
};

describe("mTLS between agents (strict)", () => {
  it("carries mesh traffic over mTLS", async () => {
    expect((await sendThrough(caller, "ratings", "/")).status).toBe(200);
  });

  it("accepts a client certificate issued by the mesh CA (control case)", async () => {
    const { credentials, tls } = await meshServerTrust();
    expect(await direct({ ...tls, key: credentials.keyPem, cert: credentials.certificatePem }, true)).toEqual({ status: 200 });
  });

  it("refuses plaintext HTTP to the inbound port: closed without a byte of answer", async () => {
    // The TLS server takes the plaintext and fails the handshake: no HTTP status, no TLS record.
    expect(await rawPlaintext()).toBe("");
    expect(await direct({}, false)).toEqual({ code: "ECONNRESET" });
  });

  it("refuses TLS without a client certificate with the certificate_required alert", async () => {
    const { tls } = await meshServerTrust();
    // TLS 1.3 alert 116: the server demanded a certificate and the client sent none.
    expect(await direct(tls, true)).toEqual({ code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", handshakeCompleted: true });
  });

  it("refuses a client certificate from a foreign CA, even one claiming a mesh identity", async () => {
    const { credentials, tls } = await meshServerTrust();
    const forged = await certificateFromForeignCa("spiffe://mesh.local/service/reviews");
    // Under TLS 1.3 the client's side of the handshake completes before the server checks the client's
    // certificate; Node's TLS server then destroys the connection (no alert), so the request is reset
    // with no response. The control: the same request with the mesh's certificate is answered.
    expect(await direct({ ...tls, key: forged.keyPem, cert: forged.certificatePem }, true)).toEqual({ code: "ECONNRESET", handshakeCompleted: true });
    expect(await direct({ ...tls, key: credentials.keyPem, cert: credentials.certificatePem }, true)).toEqual({ status: 200 });
  });
});

describe("switching the mesh to permissive mTLS with apply", () => {
  it("accepts plaintext to the inbound port once permissive is applied, and refuses it again under strict", async () => {
    expect(await direct({}, false)).toEqual({ code: "ECONNRESET" });
    const permissive = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: permissive }
`);
    await waitForRevision(ratings, permissive!);
    expect(await direct({}, false)).toEqual({ status: 200 });
    // mTLS keeps working for mesh callers in permissive mode.
    expect((await sendThrough(caller, "ratings", "/")).status).toBe(200);

    const strict = await mesh.apply(`
apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec: { mtls: strict }
`);
    await waitForRevision(ratings, strict!);
    expect(await direct({}, false)).toEqual({ code: "ECONNRESET" });
    expect(await rawPlaintext()).toBe("");
  });
});
