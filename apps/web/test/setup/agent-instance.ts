import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { freePorts, startTsProcess, waitFor, type RunningProcess } from "@mesh/testkit";

/** A real app and the real agent in front of it, as the dashboard's browser tests run them. */
export interface AgentInstance {
  service: string;
  version: string;
  outboundPort: number;
  agent: RunningProcess;
  app: Server;
}

/** Starts `service`'s agent for `app` (already listening) and waits until it is ready; its data dir goes under `root`. */
export async function startAgentInstance(
  options: { service: string; version: string; app: Server; controlPlaneUrl: string; joinToken: string; root: string },
): Promise<AgentInstance> {
  const { service, version, app } = options;
  const [inbound, outbound, admin] = await freePorts(3);
  const agent = startTsProcess(
    "apps/agent/src/main.ts",
    [
      "--service", service,
      "--version", version,
      "--app-port", String((app.address() as AddressInfo).port),
      "--inbound-port", String(inbound),
      "--outbound-port", String(outbound),
      "--admin-port", String(admin),
      "--control-plane", options.controlPlaneUrl,
      "--data-dir", path.join(options.root, `${service}-${version}`),
      "--advertise-address", "127.0.0.1",
    ],
    { LOG_LEVEL: "warn", MESH_JOIN_TOKEN: options.joinToken },
  );
  const instance = { service, version, outboundPort: outbound!, agent, app };
  await waitFor(async () => (await fetch(`http://127.0.0.1:${admin}/ready`)).ok, {
    timeoutMs: 90_000,
    intervalMs: 250,
    what: `agent ${service} ${version} ready (${agent.output().slice(-2000)})`,
  });
  return instance;
}

/** Stops every agent, then every app. */
export async function stopAgentInstances(instances: readonly AgentInstance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.agent.stop(10_000)));
  for (const i of instances) {
    i.app.closeAllConnections();
    await new Promise((resolve) => i.app.close(resolve));
  }
}
