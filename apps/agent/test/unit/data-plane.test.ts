import { request as httpsRequest } from "node:https";
import { X509Certificate } from "node:crypto";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDataPlane, type DataPlane } from "../../src/data-plane.ts";
import { AgentState, type RequestRecord, type TlsCredentials } from "../../src/state.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";
import { httpCall, snapshot, startTestApp, trafficPolicy, type TestApp } from "../support/mesh-fixture.ts";
import type { DestinationConfig } from "@mesh/shared";
import { waitFor } from "@mesh/testkit";

/** Real servers and real TLS: reviews' agent → ratings' agents (v1, v2) → ratings apps. */
describe("data plane: outbound → mTLS → inbound → app", () => {
  let pki: TestPki;
  const apps: TestApp[] = [];
  const planes: DataPlane[] = [];
  let reviews: AgentState;
  let ratingsV1: AgentState;
  let ratingsV2: AgentState;
  let reviewsPlane: DataPlane;
  let v1Plane: DataPlane;
  let v2Plane: DataPlane;
  let ratingsV1App: TestApp;
  const records: RequestRecord[] = [];

  function ratingsDestination(policy: unknown = {}): DestinationConfig {
    return {
      trafficPolicy: trafficPolicy(policy),
      endpoints: [
        { instanceId: "11111111-1111-4111-8111-111111111111", version: "v1", address: "127.0.0.1", port: v1Plane.inboundPort },
        { instanceId: "22222222-2222-4222-8222-222222222222", version: "v2", address: "127.0.0.1", port: v2Plane.inboundPort },
      ],
    };
  }
  function setReviewsSnapshot(destinations: Record<string, DestinationConfig>): void {
    reviews.setSnapshot(snapshot({ service: "reviews", destinations }));
  }
  function setRatingsSnapshot(parts: Partial<Parameters<typeof snapshot>[0]>): void {
    for (const state of [ratingsV1, ratingsV2]) state.setSnapshot(snapshot({ service: "ratings", ...parts }));
  }

  async function agent(service: string, version: string, app: TestApp, credentials: TlsCredentials): Promise<[AgentState, DataPlane]> {
    const state = new AgentState(service, version);
    state.setCredentials(credentials);
    state.onRecord((record) => records.push(record));
    const plane = await startDataPlane({ state, appPort: app.port, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
    planes.push(plane);
    return [state, plane];
  }

  beforeAll(async () => {
    pki = await createTestPki();
    ratingsV1App = await startTestApp("ratings-v1");
    apps.push(ratingsV1App, await startTestApp("ratings-v2"), await startTestApp("reviews"));
    [ratingsV1, v1Plane] = await agent("ratings", "v1", apps[0]!, await pki.issue("ratings"));
    [ratingsV2, v2Plane] = await agent("ratings", "v2", apps[1]!, await pki.issue("ratings"));
    [reviews, reviewsPlane] = await agent("reviews", "v1", apps[2]!, await pki.issue("reviews"));
    setRatingsSnapshot({});
    setReviewsSnapshot({ ratings: ratingsDestination() });
  });

  afterAll(async () => {
    await Promise.all(planes.map((plane) => plane.close(100)));
    await Promise.all(apps.map((app) => app.close()));
  });

  it("carries a request named by Host over mTLS, with the caller's verified identity and the trace", async () => {
    setReviewsSnapshot({ ratings: ratingsDestination({ routes: [{ backends: [{ version: "v1", weight: 100 }] }] }) });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const reply = await httpCall(reviewsPlane.outboundPort, "/ratings/7?x=1", {
      headers: { host: "ratings", traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-forwarded-client-cert": "URI=spiffe://mesh.local/service/admin", "x-mesh-source": "admin" },
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ app: "ratings-v1", url: "/ratings/7?x=1" });
    const seen = ratingsV1App.seen.at(-1)!;
    expect(seen.headers["x-forwarded-client-cert"]).toBe("By=spiffe://mesh.local/service/ratings;URI=spiffe://mesh.local/service/reviews");
    expect(seen.headers["x-mesh-source"]).toBeUndefined();
    expect(seen.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.headers.host).toBe("ratings");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
  });

  it("accepts proxy-style absolute URIs (HTTP_PROXY)", async () => {
    const reply = await httpCall(reviewsPlane.outboundPort, "http://ratings:9080/ratings/1");
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).url).toBe("/ratings/1");
  });

  it("answers 503 unknown-service naming the service", async () => {
    const reply = await httpCall(reviewsPlane.outboundPort, "/", { headers: { host: "nosuch" } });
    expect(reply.status).toBe(503);
    expect(reply.headers["x-mesh-error"]).toBe("unknown-service");
    expect(reply.body).toContain("nosuch");
  });

  it("splits 90/10 within ±3 points over 2000 requests", async () => {
    setReviewsSnapshot({ ratings: ratingsDestination({ routes: [{ backends: [{ version: "v1", weight: 90 }, { version: "v2", weight: 10 }] }] }) });
    const counts = { "ratings-v1": 0, "ratings-v2": 0 } as Record<string, number>;
    for (let batch = 0; batch < 100; batch++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => httpCall(reviewsPlane.outboundPort, "/ratings/1", { headers: { host: "ratings" } })));
      for (const reply of replies) counts[JSON.parse(reply.body).app as string]!++;
    }
    expect(counts["ratings-v1"]! + counts["ratings-v2"]!).toBe(2000);
    expect(Math.abs(counts["ratings-v1"]! / 2000 - 0.9)).toBeLessThanOrEqual(0.03);
  });

  it("answers 403 naming the deciding policy when the caller is not allowed", async () => {
    setReviewsSnapshot({ ratings: ratingsDestination({ routes: [{ backends: [{ version: "v1", weight: 100 }] }] }) });
    setRatingsSnapshot({ accessPolicies: [{ name: "ratings-readers", spec: { target: "ratings", action: "allow", from: ["productpage"] } }] });
    try {
      const reply = await httpCall(reviewsPlane.outboundPort, "/ratings/1", { headers: { host: "ratings" } });
      expect(reply.status).toBe(403);
      expect(reply.headers["x-mesh-error"]).toBe("denied");
      expect(reply.headers["x-mesh-policy"]).toBe("ratings-readers");
      expect(reply.body).toContain("ratings-readers");
      const denial = records.findLast((r) => r.direction === "inbound" && r.status === 403)!;
      expect(denial).toMatchObject({ source: "reviews", cause: "denied", detail: "ratings-readers", mtls: true });
    } finally {
      setRatingsSnapshot({});
    }
  });

  it("refuses plaintext at the TLS layer in strict mode", async () => {
    const seenBefore = ratingsV1App.seen.length;
    // The TLS server fails the handshake on plaintext and closes: not an HTTP answer of any status, not a TLS record.
    expect(await rawPlaintext(v1Plane.inboundPort)).toBe("");
    expect(ratingsV1App.seen.length).toBe(seenBefore);
  });

  it("refuses a client certificate from a foreign CA", async () => {
    const foreign = await createTestPki();
    const credentials = await foreign.issue("reviews");
    const seenBefore = ratingsV1App.seen.length;
    const outcome = await new Promise<{ status?: number; code?: string; handshakeCompleted: boolean }>((resolve) => {
      let handshakeCompleted = false;
      const req = httpsRequest(
        { host: "127.0.0.1", port: v1Plane.inboundPort, path: "/", agent: false, key: credentials.keyPem, cert: credentials.certificatePem, ca: pki.caPem, checkServerIdentity: () => undefined },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode, handshakeCompleted });
        },
      );
      req.on("socket", (socket) => socket.once("secureConnect", () => (handshakeCompleted = true)));
      req.on("error", (error: NodeJS.ErrnoException) => resolve({ code: error.code, handshakeCompleted }));
      req.end();
    });
    // TLS 1.3: the client finishes its side of the handshake (it trusts the server), then the server,
    // checking the client's certificate against the mesh CA, destroys the connection with no response.
    expect(outcome).toEqual({ code: "ECONNRESET", handshakeCompleted: true });
    expect(ratingsV1App.seen.length).toBe(seenBefore);
  });

  it("accepts plaintext in permissive mode, with no caller identity", async () => {
    setRatingsSnapshot({ meshConfig: { mtls: "permissive" } });
    try {
      const reply = await httpCall(v1Plane.inboundPort, "/plain", { headers: { "x-forwarded-client-cert": "URI=spiffe://mesh.local/service/reviews" } });
      expect(reply.status).toBe(200);
      expect(ratingsV1App.seen.at(-1)!.headers["x-forwarded-client-cert"]).toBeUndefined();
      const record = records.findLast((r) => r.direction === "inbound" && r.path === "/plain")!;
      expect(record).toMatchObject({ source: "unknown", mtls: false });
    } finally {
      setRatingsSnapshot({});
    }
  });

  it("answers 502 upstream-connect when the app is down", async () => {
    const down = await startTestApp("gone");
    await down.close();
    const state = new AgentState("ratings", "v9");
    state.setCredentials(await pki.issue("ratings"));
    state.setSnapshot(snapshot({ service: "ratings" }));
    const plane = await startDataPlane({ state, appPort: down.port, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
    planes.push(plane);
    const endpoints = [{ instanceId: "99999999-9999-4999-8999-999999999999", version: "v9", address: "127.0.0.1", port: plane.inboundPort }];
    setReviewsSnapshot({ ratings: { trafficPolicy: null, endpoints } });
    try {
      const reply = await httpCall(reviewsPlane.outboundPort, "/", { headers: { host: "ratings" } });
      expect(reply.status).toBe(502);
      expect(reply.headers["x-mesh-error"]).toBe("upstream-connect");
    } finally {
      setReviewsSnapshot({ ratings: ratingsDestination() });
    }
  });

  it("swaps certificates on both sides without failing a request", async () => {
    let stop = false;
    const statuses: number[] = [];
    const loop = async (): Promise<void> => {
      while (!stop) statuses.push((await httpCall(reviewsPlane.outboundPort, "/", { headers: { host: "ratings" } })).status);
    };
    const loads = [loop(), loop(), loop()];
    /** Waits until `count` more requests than now have completed, so traffic provably spans each swap. */
    const moreRequests = (count: number) => {
      const target = statuses.length + count;
      return waitFor(() => statuses.length >= target, { timeoutMs: 10_000, intervalMs: 5, what: `${count} more requests through the mesh` });
    };
    let latest: Record<"reviews" | "v1" | "v2", TlsCredentials> | undefined;
    for (let i = 0; i < 3; i++) {
      await moreRequests(20);
      latest = { reviews: await pki.issue("reviews"), v1: await pki.issue("ratings"), v2: await pki.issue("ratings") };
      reviews.setCredentials(latest.reviews);
      ratingsV1.setCredentials(latest.v1);
      ratingsV2.setCredentials(latest.v2);
    }
    await moreRequests(20);
    stop = true;
    await Promise.all(loads);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The swaps took effect: each inbound port now presents the last certificate it was given.
    const client = await pki.issue("reviews");
    expect(await servedCertificate(v1Plane.inboundPort, client, pki.caPem)).toBe(new X509Certificate(latest!.v1.certificatePem).fingerprint256);
    expect(await servedCertificate(v2Plane.inboundPort, client, pki.caPem)).toBe(new X509Certificate(latest!.v2.certificatePem).fingerprint256);
  });

  it("emits one record per request on each side", async () => {
    const before = records.length;
    await httpCall(reviewsPlane.outboundPort, "/records", { headers: { host: "ratings" } });
    const fresh = records.slice(before).filter((r) => r.path === "/records");
    expect(fresh.map((r) => r.direction).sort()).toEqual(["inbound", "outbound"]);
    const [inbound, outbound] = [fresh.find((r) => r.direction === "inbound")!, fresh.find((r) => r.direction === "outbound")!];
    expect(inbound.traceId).toBe(outbound.traceId);
    expect(inbound.parentSpanId).toBe(outbound.spanId);
    expect(outbound).toMatchObject({ source: "reviews", destination: "ratings", status: 200, attempts: 1 });
  });
});

/** The SHA-256 fingerprint of the certificate a TLS server on `port` presents to a client holding `credentials`. */
function servedCertificate(port: number, credentials: TlsCredentials, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, key: credentials.keyPem, cert: credentials.certificatePem, ca: caPem, checkServerIdentity: () => undefined }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.on("error", reject);
  });
}

/** Sends a plaintext HTTP request on a raw socket; returns what came back ("" when the server cut it). */
function rawPlaintext(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: ratings\r\n\r\n"));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("close", () => resolve(received));
    socket.on("error", () => undefined);
  });
}
