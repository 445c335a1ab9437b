import { createServer, type Server } from "node:http";
import { HTTP_SERVER_OPTIONS, hardenHttpServer } from "../listener-hardening.ts";
import type { OutboundProxy } from "./proxy.ts";

/** The app-facing listener: plain HTTP on loopback only, so nothing off-host can use the agent's identity. */
export function createOutboundServer(proxy: OutboundProxy): Server {
  const server = createServer(HTTP_SERVER_OPTIONS, proxy.handle);
  hardenHttpServer(server);
  return server;
}
