import type { Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AgentSnapshot } from "@mesh/shared";
import { PeerConnections } from "./endpoint/peer-connections.ts";
import { createInboundListener } from "./inbound/listener.ts";
import { InboundProxy } from "./inbound/proxy.ts";
import { InboundRateLimiter } from "./inbound/rate-limiter.ts";
import { Destinations } from "./outbound/destinations.ts";
import { OutboundProxy } from "./outbound/proxy.ts";
import { createOutboundServer } from "./outbound/server.ts";
import type { AgentState, TlsCredentials } from "./state.ts";

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
 * peers). They follow `state`: snapshots re-route traffic and change policy, new credentials are
 * swapped in without failing requests.
 */
export async function startDataPlane({ state, appPort, inboundPort, outboundPort, inboundHost = "0.0.0.0" }: DataPlaneOptions): Promise<DataPlane> {
  const destinations = new Destinations();
  const peers = new PeerConnections();
  const rateLimiter = new InboundRateLimiter();
  const inboundProxy = new InboundProxy(state, appPort, rateLimiter);
  const inbound = createInboundListener(inboundProxy.handle, () => state.snapshot?.meshConfig.mtls === "permissive");
  const outbound = createOutboundServer(new OutboundProxy(state, destinations, peers));

  const applySnapshot = (snapshot: AgentSnapshot): void => {
    peers.retainOnly(destinations.update(snapshot));
    rateLimiter.apply(snapshot);
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
    await listen(outbound, outboundPort, "127.0.0.1");
  } catch (error) {
    state.off("snapshot", applySnapshot);
    state.off("credentials", applyCredentials);
    inbound.tcp.close();
    outbound.close();
    throw error;
  }

  return {
    inboundPort: portOf(inbound.tcp),
    outboundPort: portOf(outbound),
    async close(drainMs = 5000) {
      state.off("snapshot", applySnapshot);
      state.off("credentials", applyCredentials);
      const closed = Promise.all([inbound.close(), new Promise<void>((resolve) => outbound.close(() => resolve()))]);
      const deadline = Date.now() + drainMs;
      let drained = false;
      void closed.then(() => (drained = true));
      // Keep-alive connections become idle as their last request ends; close each as it does.
      while (!drained && Date.now() < deadline) {
        outbound.closeIdleConnections();
        inbound.closeIdleConnections();
        await Promise.race([closed, sleep(25)]);
      }
      outbound.closeAllConnections();
      inbound.closeAllConnections();
      await closed;
      peers.close();
      inboundProxy.close();
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
