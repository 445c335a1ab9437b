import { createServer, type Server } from "node:http";
import type { OutboundProxy } from "./proxy.ts";

/** The app-facing listener: plain HTTP on loopback only, so nothing off-host can use the agent's identity. */
export function createOutboundServer(proxy: OutboundProxy): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, proxy.handle);
  // Requests may legitimately wait long (timeouts are the policy's job, not the listener's).
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}
