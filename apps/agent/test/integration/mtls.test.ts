import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { certificateFromForeignCa } from "./certificates.ts";
import { MeshHarness, sendThrough, type ServiceInstance } from "./harness.ts";

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

/** GET / straight at ratings' inbound port, bypassing the caller's agent. */
function direct(options: RequestOptions, tls: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = tls ? httpsRequest : httpRequest;
    const req = send({ host: "127.0.0.1", port: ratings.ports.inbound, path: "/", timeout: 5000, ...options }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
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
    expect(await direct({ ...tls, key: credentials.keyPem, cert: credentials.certificatePem }, true)).toBe(200);
  });

  it("refuses plaintext HTTP to the inbound port", async () => {
    await expect(direct({}, false)).rejects.toThrow();
  });

  it("refuses TLS without a client certificate", async () => {
    const { tls } = await meshServerTrust();
    await expect(direct(tls, true)).rejects.toThrow();
  });

  it("refuses a client certificate from a foreign CA, even one claiming a mesh identity", async () => {
    const { tls } = await meshServerTrust();
    const forged = await certificateFromForeignCa("spiffe://mesh.local/service/reviews");
    await expect(direct({ ...tls, key: forged.keyPem, cert: forged.certificatePem }, true)).rejects.toThrow();
  });
});
