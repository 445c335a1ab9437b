import { createServer as createTlsServer, type Server } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { Endpoint } from "@mesh/shared";
import { freePort, waitFor } from "@mesh/testkit";
import { EndpointSet } from "../../../src/balancer/endpoint-set.ts";
import { PeerConnections } from "../../../src/endpoint/peer-connections.ts";
import { DEFAULT_OUTLIER_SETTINGS, recordOutcome } from "../../../src/resilience/outlier.ts";
import { createTestPki } from "../../support/test-pki.ts";

const endpoints = (count: number, port = 1): Endpoint[] =>
  Array.from({ length: count }, (_, i) => ({ instanceId: `id-${i}`, version: "v1", address: "127.0.0.1", port: port + i }));
const ids = (set: EndpointSet, now = Date.now()) => set.availableAt(now).map((state) => state.instanceId);

describe("an endpoint whose connection failed", () => {
  it("leaves every set sharing it at once, without waiting for a timer", () => {
    const epoch = { value: 0 };
    const version = new EndpointSet(endpoints(3), epoch);
    const all = new EndpointSet([], epoch);
    all.update(endpoints(3), version.byInstance());
    expect(ids(version)).toEqual(["id-0", "id-1", "id-2"]);

    expect(version.all[1]!.markUnreachable("connect-failure")).toBe(true);
    expect(version.all[1]!.markUnreachable("reset")).toBe(false);
    expect(ids(version)).toEqual(["id-0", "id-2"]);
    expect(ids(all)).toEqual(["id-0", "id-2"]);
    // It stays out however long it takes: only a connection brings it back.
    expect(ids(version, Date.now() + 3600_000)).toEqual(["id-0", "id-2"]);

    version.all[1]!.markReachable();
    expect(ids(version)).toEqual(["id-0", "id-1", "id-2"]);
    expect(ids(all)).toEqual(["id-0", "id-1", "id-2"]);
  });

  it("is still tried when every endpoint is unreachable (panic), but an ejected one is not", () => {
    const set = new EndpointSet(endpoints(3));
    const now = Date.now();
    set.all[0]!.ejectedUntil = now + 30_000;
    set.refresh(now);
    set.all[1]!.markUnreachable("connect-failure");
    set.all[2]!.markUnreachable("reset");
    expect(ids(set, now)).toEqual(["id-1", "id-2"]);
    set.all[2]!.markReachable();
    expect(ids(set, now)).toEqual(["id-2"]);
  });

  it("counts as ejected, so the circuit breaker never ejects the last reachable endpoint", () => {
    const set = new EndpointSet(endpoints(2));
    set.all[0]!.markUnreachable("connect-failure");
    const survivor = set.all[1]!;
    for (let i = 0; i < 20; i++) expect(recordOutcome(DEFAULT_OUTLIER_SETTINGS, set, survivor, true, 1000 + i)).toBe(false);
    expect(ids(set, 2000)).toEqual(["id-1"]);
  });

  it("is ejected by default after 5 failed answers in a row when the policy has no circuitBreaker", () => {
    const set = new EndpointSet(endpoints(2));
    const failing = set.all[0]!;
    const verdicts = Array.from({ length: 5 }, (_, i) => recordOutcome(DEFAULT_OUTLIER_SETTINGS, set, failing, true, 1000 + i));
    expect(verdicts).toEqual([false, false, false, false, true]);
    expect(ids(set, 2000)).toEqual(["id-1"]);
    expect(ids(set, 1004 + 30_000)).toEqual(["id-0", "id-1"]);
  });
});

describe("reconnecting to an unreachable endpoint in the background", () => {
  let server: Server | undefined;
  let peers: PeerConnections | undefined;
  afterEach(() => {
    peers?.close();
    server?.close();
  });

  it("keeps trying with backoff while the port refuses, and brings the endpoint back once a peer with the right identity answers", async () => {
    const pki = await createTestPki();
    const [client, reviews, ratings] = await Promise.all([pki.issue("client"), pki.issue("reviews"), pki.issue("ratings")]);
    const port = await freePort();
    peers = new PeerConnections();
    peers.setCredentials(client);
    const set = new EndpointSet(endpoints(2, port));
    const state = set.all[0]!;
    state.markUnreachable("connect-failure");
    peers.probe(state, pki.trustDomain, "reviews");

    await waitFor(() => state.reconnectAttempts >= 3, { timeoutMs: 10_000, what: "three refused reconnects" });
    expect(ids(set)).toEqual(["id-1"]);

    // A peer that is not "reviews" (wrong SPIFFE ID) does not count as reachable.
    const listen = (credentials: typeof reviews) =>
      new Promise<Server>((resolve) => {
        const tls = createTlsServer({ key: credentials.keyPem, cert: credentials.certificatePem, ca: credentials.caPem, requestCert: true }, (socket) => socket.end());
        tls.listen(port, "127.0.0.1", () => resolve(tls));
      });
    server = await listen(ratings);
    const attemptsWithImpostor = state.reconnectAttempts;
    await waitFor(() => state.reconnectAttempts >= attemptsWithImpostor + 2, { timeoutMs: 10_000, what: "reconnects refused for the wrong identity" });
    expect(state.unreachable).toBe("connect-failure");
    await new Promise((resolve) => server!.close(resolve));

    server = await listen(reviews);
    await waitFor(() => state.unreachable === null, { timeoutMs: 10_000, what: "the endpoint to be reachable again" });
    expect(ids(set)).toEqual(["id-0", "id-1"]);
  });
});
