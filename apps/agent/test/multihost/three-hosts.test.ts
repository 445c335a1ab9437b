import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failIfUnavailable, netnsUnavailableReason, skipOutsideCi, waitFor, type TestHost } from "@mesh/testkit";
import { DEFAULT_AGENT_PORTS, TestHosts, dropNewConnections, httpVia, operatorVia, untilExit, type HttpReply } from "./hosts.ts";

/**
 * Three hosts as network namespaces with their own addresses: the control plane (embedded
 * PostgreSQL) on h0, "frontend" and one "echo" instance on h1, another "echo" instance on h2. Traffic
 * crosses hosts over mTLS; cutting h2's link must cost callers no more than a short, bounded blip.
 */
const unavailable = await netnsUnavailableReason();

const ECHO_ON_H1 = { app: 8081, inbound: 16006, outbound: 16001, admin: 16000 };
const PER_TRY_TIMEOUT_MS = 300;
const POLICY = `
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: echo }
spec:
  loadBalancer: round-robin
  timeout: 2s
  retries: { attempts: 3, perTryTimeout: ${PER_TRY_TIMEOUT_MS}ms, retryOn: [connect-failure, reset, 5xx] }
  circuitBreaker: { consecutiveErrors: 3, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
`;

interface Outcome {
  sentAt: number;
  endedAt: number;
  ok: boolean;
  /** The host whose echo app answered, or the error. */
  answer: string;
  durationMs: number;
  clientCert: string | null;
}

/** A request whose first attempt met the cut host waits a whole per-try timeout before its retry (or fails). */
const slowed = (outcome: Outcome) => !outcome.ok || outcome.durationMs >= PER_TRY_TIMEOUT_MS;

/**
 * How long after the cut requests kept paying for the lost host: the end of the last slowed request in
 * the run of them that starts at the cut. A second without one ends the run; a stray slow request
 * later is the machine being busy, not the mesh.
 */
function retryWindowMs(outcomes: Outcome[], cutAt: number): number {
  let end = cutAt;
  for (const outcome of outcomes.filter(slowed).sort((a, b) => a.sentAt - b.sentAt)) {
    if (outcome.sentAt > end + 1000) break;
    end = Math.max(end, outcome.endedAt);
  }
  return end - cutAt;
}

describe.skipIf(skipOutsideCi(unavailable, "the three-host test"))("a mesh across three hosts", () => {
  let testHosts: TestHosts;
  let h0: TestHost;
  let h1: TestHost;
  let h2: TestHost;
  let onH1: (target: string) => string;
  let onH2: (target: string) => string;
  let operator: ReturnType<typeof operatorVia>;
  let controlPlaneUrl: string;
  let joinToken: string;

  const local = (port: number) => `127.0.0.1:${port}`;
  const adminGet = (relay: (target: string) => string, port: number, pathname: string) => httpVia(relay(local(port)), pathname);
  const frontendConfig = async () =>
    JSON.parse((await adminGet(onH1, DEFAULT_AGENT_PORTS.admin, "/config")).body) as {
      revision: number | null;
      snapshot: { destinations: Record<string, { endpoints: { address: string }[] }> } | null;
    };
  const echoEndpointsSeenByFrontend = async () =>
    ((await frontendConfig()).snapshot?.destinations.echo?.endpoints ?? []).map((endpoint) => endpoint.address).sort();
  const echoInstancesAtControlPlane = async () =>
    (await operator.services.get.query({ name: "echo" })).instances.map((instance) => instance.address).sort();

  const inboundFromFrontendOnH2 = async () =>
    (await adminGet(onH2, DEFAULT_AGENT_PORTS.admin, "/metrics")).body
      .split("\n")
      .filter((line) => line.startsWith("mesh_requests_total{") && line.includes('direction="inbound"') && line.includes('source="frontend"'))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);

  /**
   * Requests from frontend's side of h1 through its agent's outbound port, `concurrency` at a time with
   * a short pause after each (a steady stream that leaves a busy 2-core machine some room), until stopped.
   */
  const startTraffic = (concurrency = 2, pauseMs = 10) => {
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const sentAt = Date.now();
        let reply: HttpReply | null = null;
        let error = "";
        try {
          reply = await httpVia(onH1(local(DEFAULT_AGENT_PORTS.outbound)), "/", { headers: { host: "echo" }, timeoutMs: 5000 });
        } catch (caught) {
          error = (caught as Error).message;
        }
        const body = reply?.status === 200 ? (JSON.parse(reply.body) as { host: string; clientCert: string | null }) : null;
        outcomes.push({
          sentAt,
          endedAt: Date.now(),
          ok: body !== null,
          answer: body?.host ?? (reply ? `${reply.status} ${String(reply.headers["x-mesh-error"])}` : error),
          durationMs: Date.now() - sentAt,
          clientCert: body?.clientCert ?? null,
        });
        await sleep(pauseMs);
      }
    };
    const workers = Promise.all(Array.from({ length: concurrency }, worker));
    return {
      outcomes,
      since: (time: number) => outcomes.filter((outcome) => outcome.sentAt >= time),
      async stop() {
        running = false;
        await workers;
      },
    };
  };
  const countAnswers = (outcomes: Outcome[]) => {
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) counts[outcome.answer] = (counts[outcome.answer] ?? 0) + 1;
    return counts;
  };
  const successRate = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.ok).length / outcomes.length;
  const slowedShare = (outcomes: Outcome[]) => outcomes.filter(slowed).length / outcomes.length;
  const percent = (share: number) => `${(share * 100).toFixed(2)}%`;

  beforeAll(async () => {
    failIfUnavailable(unavailable, "the three-host test");
    testHosts = await TestHosts.create(3);
    [h0, h1, h2] = testHosts.hosts as [TestHost, TestHost, TestHost];
    const controlPlaneAddress = `${h0.address}:4000`;
    // Everything starts at once; the agents retry (with backoff) until the control plane listens.
    const controlPlane = await testHosts.controlPlane(h0);
    const join = { controlPlane: controlPlane.url, joinToken: controlPlane.joinToken, version: "v1" };
    [controlPlaneUrl, joinToken] = [controlPlane.url, controlPlane.joinToken];
    const agents = [
      { host: h1, adminPort: DEFAULT_AGENT_PORTS.admin, agent: testHosts.agent(h1, { ...join, service: "frontend", ports: DEFAULT_AGENT_PORTS, advertise: true }) },
      { host: h1, adminPort: ECHO_ON_H1.admin, agent: testHosts.agent(h1, { ...join, service: "echo", ports: ECHO_ON_H1, advertise: true }) },
      // Started without --advertise-address: it must find h2's own address by itself.
      { host: h2, adminPort: DEFAULT_AGENT_PORTS.admin, agent: testHosts.agent(h2, { ...join, service: "echo", ports: DEFAULT_AGENT_PORTS, advertise: false }) },
    ];
    [onH1, onH2] = await Promise.all([
      testHosts.relay(h1, [
        controlPlaneAddress,
        `${h2.address}:${DEFAULT_AGENT_PORTS.inbound}`,
        local(DEFAULT_AGENT_PORTS.outbound),
        local(DEFAULT_AGENT_PORTS.admin),
        local(ECHO_ON_H1.admin),
      ]),
      testHosts.relay(h2, [local(DEFAULT_AGENT_PORTS.admin)]),
      testHosts.echoApp(h1, DEFAULT_AGENT_PORTS.app),
      testHosts.echoApp(h1, ECHO_ON_H1.app),
      testHosts.echoApp(h2, DEFAULT_AGENT_PORTS.app),
      controlPlane.listening,
    ]);
    // The operator, too, reaches the control plane over the network, from h1.
    operator = operatorVia(onH1(controlPlaneAddress), controlPlane.url, controlPlane.adminToken);
    await Promise.all(
      agents.map(({ host, adminPort, agent }) =>
        untilExit(agent, "an agent to be ready", waitFor(async () => (await adminGet(host === h1 ? onH1 : onH2, adminPort, "/ready")).status === 200, { timeoutMs: 60_000, intervalMs: 200 })),
      ),
    );
    await waitFor(async () => (await echoEndpointsSeenByFrontend()).length === 2, { timeoutMs: 20_000, what: "frontend to see both echo instances" });
  }, 150_000);

  afterAll(async () => {
    await testHosts?.close();
  }, 30_000);

  it("registers every agent at its own host's address, the default one included", async () => {
    expect(await echoInstancesAtControlPlane()).toEqual([h1.address, h2.address].sort());
    const { agents } = await operator.agents.status.query();
    expect(agents.map((agent) => `${agent.service}@${agent.address}`).sort()).toEqual([`echo@${h1.address}`, `echo@${h2.address}`, `frontend@${h1.address}`].sort());
    expect(await echoEndpointsSeenByFrontend()).toEqual([h1.address, h2.address].sort());
  });

  it("carries frontend's requests to echo on both hosts over mTLS", async () => {
    const inboundBefore = await inboundFromFrontendOnH2();
    const traffic = startTraffic();
    await waitFor(() => traffic.outcomes.length >= 60, { timeoutMs: 20_000, what: "60 requests" });
    await traffic.stop();
    const counts = countAnswers(traffic.outcomes);
    expect(Object.keys(counts).sort()).toEqual([h1.address, h2.address].sort());
    expect(counts[h2.address]).toBeGreaterThan(traffic.outcomes.length / 4);
    // Each echo app got the caller's identity from the certificate its agent verified.
    expect(new Set(traffic.outcomes.map((outcome) => outcome.clientCert))).toEqual(
      new Set(["By=spiffe://mesh.local/service/echo;URI=spiffe://mesh.local/service/frontend"]),
    );

    // h2's agent counted each of them (and any attempt a retry gave up on) as an inbound request from
    // frontend, an identity only a verified client certificate gives.
    await waitFor(async () => (await inboundFromFrontendOnH2()) - inboundBefore >= counts[h2.address]!, {
      timeoutMs: 5000,
      what: `h2's agent to count ${counts[h2.address]} inbound requests from frontend`,
    });

    // h2's inbound port speaks only TLS: plain HTTP from h1 gets no answer.
    await expect(httpVia(onH1(`${h2.address}:${DEFAULT_AGENT_PORTS.inbound}`), "/", { headers: { host: "echo" }, timeoutMs: 3000 })).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it("keeps serving when h2's link is cut: callers eject it within a short window, then every request succeeds", async () => {
    const { revision } = await operator.resources.applyDocuments.mutate({ yaml: POLICY });
    await waitFor(async () => ((await frontendConfig()).revision ?? 0) >= revision!, {
      timeoutMs: 20_000,
      what: "frontend to run the TrafficPolicy",
    });
    const traffic = startTraffic();
    await waitFor(() => traffic.outcomes.length >= 100 && traffic.outcomes.slice(-20).some((outcome) => outcome.answer === h2.address), {
      timeoutMs: 20_000,
      what: "traffic to flow to both hosts before the cut",
    });
    const cutAt = Date.now();
    await h2.setLink(false);

    await waitFor(async () => (await echoInstancesAtControlPlane()).length === 1, { timeoutMs: 30_000, intervalMs: 250, what: "the control plane to expire h2's instance" });
    const expiredAt = Date.now();
    await waitFor(async () => (await echoEndpointsSeenByFrontend()).length === 1, { timeoutMs: 10_000, what: "frontend to drop h2's instance" });
    const droppedAt = Date.now();
    await waitFor(() => traffic.since(droppedAt).length >= 100, { timeoutMs: 20_000, what: "100 requests after h2 was dropped" });
    await traffic.stop();

    const beforeCut = traffic.outcomes.filter((outcome) => outcome.sentAt < cutAt);
    const duringCut = traffic.since(cutAt);
    const afterDrop = traffic.since(droppedAt);
    const windowMs = retryWindowMs(duringCut, cutAt);
    console.log(
      `[three-hosts] cut h2: ${duringCut.length} requests, success ${percent(successRate(duringCut))}, slowed ${percent(slowedShare(duringCut))} ` +
        `(before the cut ${percent(slowedShare(beforeCut))}), ejection window ${windowMs} ms; control plane expired h2 after ${expiredAt - cutAt} ms, ` +
        `frontend dropped it after ${droppedAt - cutAt} ms; after that ${percent(successRate(afterDrop))} of ${afterDrop.length}`,
    );
    expect(successRate(duringCut)).toBeGreaterThanOrEqual(0.99);
    expect(windowMs).toBeLessThan(5000);
    expect(countAnswers(duringCut.filter((outcome) => outcome.sentAt >= cutAt + windowMs))).toEqual({ [h1.address]: expect.any(Number) });
    // Without ejection, round-robin would send every other first attempt to h2 until the control plane dropped it.
    expect(slowedShare(duringCut)).toBeLessThan(slowedShare(beforeCut) + 0.05);
    expect(countAnswers(afterDrop)).toEqual({ [h1.address]: afterDrop.length });
  }, 60_000);

  it("sends traffic to h2 again once its link is back, as soon as a connection to it succeeds", async () => {
    const traffic = startTraffic();
    const restoredAt = Date.now();
    // h2 comes back slow to accept: its first connections outlast the 300 ms per-try timeout (on a loaded machine a TLS
    // handshake did). Those failures must not eject it for the 30 s baseEjectionTime: a connection that succeeds brings it back.
    await dropNewConnections(h2, DEFAULT_AGENT_PORTS.inbound, true);
    let accepting = false;
    let acceptingAt = 0;
    try {
      await h2.setLink(true);
      await waitFor(async () => (await echoInstancesAtControlPlane()).length === 2, { timeoutMs: 30_000, intervalMs: 250, what: "the control plane to list h2 again" });
      await waitFor(async () => (await echoEndpointsSeenByFrontend()).length === 2, { timeoutMs: 10_000, what: "frontend to list h2 again" });
      const seenAt = Date.now();
      // Enough requests for round-robin to have sent h2 more than consecutiveErrors (3) first attempts.
      await waitFor(() => traffic.since(seenAt).length >= 20, { timeoutMs: 20_000, what: "20 requests while h2 accepts no connection" });
      expect(traffic.since(seenAt).filter((outcome) => outcome.answer === h2.address)).toEqual([]);
      await dropNewConnections(h2, DEFAULT_AGENT_PORTS.inbound, false);
      accepting = true;
      acceptingAt = Date.now();
    } finally {
      if (!accepting) await dropNewConnections(h2, DEFAULT_AGENT_PORTS.inbound, false);
    }
    await waitFor(() => traffic.since(acceptingAt).some((outcome) => outcome.answer === h2.address), { timeoutMs: 10_000, what: "h2 to answer again" });
    const backAt = Date.now();
    await waitFor(() => traffic.since(backAt).length >= 60, { timeoutMs: 20_000, what: "60 requests after h2 came back" });
    await traffic.stop();
    const afterReturn = traffic.since(backAt);
    console.log(
      `[three-hosts] link back: h2 accepted connections again after ${acceptingAt - restoredAt} ms and answered ${backAt - acceptingAt} ms later; ` +
        `success ${percent(successRate(traffic.outcomes))} of ${traffic.outcomes.length}`,
    );
    expect(successRate(traffic.outcomes)).toBeGreaterThanOrEqual(0.99);
    const counts = countAnswers(afterReturn);
    expect(Object.keys(counts).sort()).toEqual([h1.address, h2.address].sort());
    expect(counts[h2.address]).toBeGreaterThan(afterReturn.length / 4);
  }, 60_000);

  it("refuses an agent on h2 that advertises h1's address: an endpoint is registered only where its agent connects from", async () => {
    const ports = { app: 8082, inbound: 17006, outbound: 17001, admin: 17000 };
    const impostor = testHosts.agent(h2, { controlPlane: controlPlaneUrl, joinToken, version: "v2", service: "echo", ports, advertise: h1.address });
    const refusal = `address ${h1.address} is not where this agent connects from (${h2.address})`;
    await testHosts.waitForOutput(impostor, (output) => output.includes(refusal), "the control plane to refuse the impostor's address", 60_000);
    expect(await echoInstancesAtControlPlane()).toEqual([h1.address, h2.address].sort());
    await impostor.stop(3000);
  }, 90_000);
});
