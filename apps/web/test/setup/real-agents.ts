import { createServer, request, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitFor } from "@mesh/testkit";
import { startAgentInstance, stopAgentInstances, type AgentInstance } from "./agent-instance.ts";

/** Real agents with real apps behind them: storefront calls checkout, whose v1 and v2 share the traffic. */
export const REAL_INSTANCES = [
  { service: "storefront", version: "v1" },
  { service: "checkout", version: "v1" },
  { service: "checkout", version: "v2" },
] as const;

const LOAD_INTERVAL_MS = 50;

export interface RealTraffic {
  stop(): Promise<void>;
}

async function startApp(service: string, version: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      // A little work so latency charts have a shape.
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ service, version, path: req.url }));
      }, version === "v2" ? 12 : 6);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Starts the agents, waits until they are ready and storefront sees both checkout versions, then sends ~20 req/s. */
export async function startRealTraffic(controlPlaneUrl: string, joinToken: string): Promise<RealTraffic> {
  const root = await mkdtemp(path.join(os.tmpdir(), "mesh-web-agents-"));
  const instances: AgentInstance[] = [];
  let load: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearInterval(load);
    await stopAgentInstances(instances);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      REAL_INSTANCES.map(async ({ service, version }) => {
        const app = await startApp(service, version);
        instances.push(await startAgentInstance({ service, version, app, controlPlaneUrl, joinToken, root }));
      }),
    );
    const storefront = instances.find((i) => i.service === "storefront")!;
    // Both versions answer through the mesh before load starts, so the first rollups already split.
    const seen = new Set<string>();
    await waitFor(
      async () => {
        seen.add(((await callCheckout(storefront.outboundPort)) as { version?: string }).version ?? "");
        return seen.has("v1") && seen.has("v2");
      },
      { timeoutMs: 30_000, intervalMs: 20, what: "storefront reaching checkout v1 and v2 through its agent" },
    );
    load = setInterval(() => void callCheckout(storefront.outboundPort).catch(() => undefined), LOAD_INTERVAL_MS);
    return { stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function callCheckout(outboundPort: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: outboundPort, path: "/checkout/cart", headers: { host: "checkout" }, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`checkout answered ${res.statusCode}: ${body}`))));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
