import { createServer, request, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAgentInstance, stopAgentInstances, type AgentInstance } from "./agent-instance.ts";

/** A call one service's app makes through its agent, over and over. */
export interface RepeatedCall {
  from: string;
  to: string;
  method: string;
  path: string;
  everyMs: number;
}

export interface RunningMesh {
  /** Status codes each call got so far, by `${from}>${to} ${method} ${path}`. */
  statuses: Map<string, number[]>;
  stop(): Promise<void>;
}

const callKey = (c: RepeatedCall) => `${c.from}>${c.to} ${c.method} ${c.path}`;

async function startApp(service: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ service, path: req.url })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** An instance to run: "orders" is orders v1. */
export type InstanceSpec = string | { service: string; version: string };

/** Real agents in front of tiny real apps, then the given calls on repeat through the callers' outbound ports. */
export async function startRealMeshTraffic(controlPlaneUrl: string, joinToken: string, instances: InstanceSpec[], calls: RepeatedCall[]): Promise<RunningMesh> {
  const root = await mkdtemp(path.join(os.tmpdir(), "mesh-web-own-agents-"));
  const agents: AgentInstance[] = [];
  const timers: NodeJS.Timeout[] = [];
  const statuses = new Map<string, number[]>();
  const stop = async () => {
    for (const timer of timers) clearInterval(timer);
    await stopAgentInstances(agents);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      instances.map(async (instance) => {
        const { service, version } = typeof instance === "string" ? { service: instance, version: "v1" } : instance;
        const app = await startApp(service);
        agents.push(await startAgentInstance({ service, version, app, controlPlaneUrl, joinToken, root }));
      }),
    );
    for (const call of calls) {
      const caller = agents.find((a) => a.service === call.from)!;
      statuses.set(callKey(call), []);
      timers.push(setInterval(() => void send(caller.outboundPort, call).then((status) => statuses.get(callKey(call))!.push(status), () => undefined), call.everyMs));
    }
    return { statuses, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function send(outboundPort: number, call: RepeatedCall): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: outboundPort, method: call.method, path: call.path, headers: { host: call.to }, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
