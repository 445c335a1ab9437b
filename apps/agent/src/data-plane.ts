import type { Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentSnapshot } from "@mesh/shared";
import { PeerConnections } from "./endpoint/peer-connections.ts";
import { InboundPath } from "./inbound/inbound-path.ts";
import { createInboundListener } from "./inbound/listener.ts";
import { InboundRateLimiter } from "./inbound/rate-limiter.ts";
import type { ClientConnection } from "./listener/client-connection.ts";
import { LISTENER_TIMEOUTS } from "./listener/listener-timeouts.ts";
import { Destinations } from "./outbound/destinations.ts";
import { createOutboundListener } from "./outbound/listener.ts";
import { OutboundPath } from "./outbound/outbound-path.ts";
import type { AgentState, RequestRecord, TlsCredentials } from "./state.ts";

export interface DataPlaneOptions {
  state: AgentState;
  /** The local app, always reached on 127.0.0.1. */
  appPort: number;
  /** 0 picks a free port (tests); the chosen one is in the result. */
  inboundPort: number;
  outboundPort: number;
  inboundHost?: string;
}

export interface DataPlane {
  inboundPort: number;
  outboundPort: number;
  /** Stops accepting, lets in-flight requests finish for up to `drainMs`, then cuts what is left. */
  close(drainMs?: number): Promise<void>;
}

/**
 * Starts the agent's two listeners: outbound (127.0.0.1, for the app) and inbound (mTLS, for
 * peers), each running its request path on raw sockets. They follow `state`: snapshots re-route
 * traffic and change policy, new credentials are swapped in without failing requests.
 */
export async function startDataPlane({ state, appPort, inboundPort, outboundPort, inboundHost = "0.0.0.0" }: DataPlaneOptions): Promise<DataPlane> {
  const destinations = new Destinations();
  const peers = new PeerConnections();
  const rateLimiter = new InboundRateLimiter();
  const record = (finished: RequestRecord): void => state.record(finished);
  const inboundPath = new InboundPath(state, appPort, rateLimiter);
  const inbound = createInboundListener(
    { handle: inboundPath.handle, record, timeouts: LISTENER_TIMEOUTS, connections: new Set<ClientConnection>() },
    () => state.snapshot?.meshConfig.mtls === "permissive",
  );
  const outbound = createOutboundListener({
    handle: new OutboundPath(state, destinations, peers).handle,
    record,
    timeouts: LISTENER_TIMEOUTS,
    connections: new Set<ClientConnection>(),
  });

  const applySnapshot = (snapshot: AgentSnapshot): void => {
    peers.retainOnly(destinations.update(snapshot));
    rateLimiter.apply(snapshot);
    inboundPath.applySnapshot(snapshot);
  };
  const applyCredentials = (credentials: TlsCredentials): void => {
    peers.setCredentials(credentials);
    inbound.setCredentials(credentials);
  };
  if (state.snapshot) applySnapshot(state.snapshot);
  if (state.credentials) applyCredentials(state.credentials);
  state.on("snapshot", applySnapshot);
  state.on("credentials", applyCredentials);

  try {
    await listen(inbound.tcp, inboundPort, inboundHost);
    await listen(outbound.tcp, outboundPort, "127.0.0.1");
  } catch (error) {
    state.off("snapshot", applySnapshot);
    state.off("credentials", applyCredentials);
    void inbound.close();
    void outbound.close();
    throw error;
  }

  return {
    inboundPort: portOf(inbound.tcp),
    outboundPort: portOf(outbound.tcp),
    async close(drainMs = 5000) {
      state.off("snapshot", applySnapshot);
      state.off("credentials", applyCredentials);
      const closed = Promise.all([inbound.close(), outbound.close()]);
      const deadline = Date.now() + drainMs;
      let drained = false;
      void closed.then(() => (drained = true));
      // Kept-alive connections become idle as their last request ends; close each as it does.
      while (!drained && Date.now() < deadline) {
        outbound.closeIdleConnections();
        inbound.closeIdleConnections();
        await Promise.race([closed, sleep(25)]);
      }
      outbound.closeAllConnections();
      inbound.closeAllConnections();
      await closed;
      peers.close();
      inboundPath.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}
