import type { DestinationConfig, Endpoint } from "@mesh/shared";
import { startDataPlane, type DataPlane } from "../../src/data-plane.ts";
import { AgentState, type RequestRecord } from "../../src/state.ts";
import { snapshot, startTestApp, trafficPolicy, type SeenRequest, type TestApp } from "./mesh-fixture.ts";
import { createTestPki } from "./test-pki.ts";

export interface UpstreamSpec {
  version: string;
  respond?: (seen: SeenRequest) => { status: number; body?: string; delayMs?: number } | undefined;
}

export interface SmallMesh {
  /** The caller's (service "client") outbound port; send `Host: server`. */
  outboundPort: number;
  apps: TestApp[];
  /** The upstream agents' states, to push inbound config (access policy, rate limit) to them. */
  serverStates: AgentState[];
  endpoints: Endpoint[];
  records: RequestRecord[];
  /** Pushes a new TrafficPolicy for "server" to the caller (validated and defaulted like the control plane does). */
  setPolicy(policy: unknown): void;
  close(): Promise<void>;
}

/**
 * A caller agent ("client") and one agent per upstream instance of "server", each with a real
 * app, over real mTLS: the smallest mesh that exercises the whole request path.
 */
export async function startSmallMesh(upstreams: UpstreamSpec[], policy: unknown = {}): Promise<SmallMesh> {
  const pki = await createTestPki();
  const records: RequestRecord[] = [];
  const apps: TestApp[] = [];
  const planes: DataPlane[] = [];
  const serverStates: AgentState[] = [];
  const endpoints: Endpoint[] = [];
  for (const [index, upstream] of upstreams.entries()) {
    const app = await startTestApp(`server-${upstream.version}-${index}`, upstream.respond);
    apps.push(app);
    const state = new AgentState("server", upstream.version);
    state.setCredentials(await pki.issue("server"));
    state.setSnapshot(snapshot({ service: "server" }));
    state.onRecord((record) => records.push(record));
    serverStates.push(state);
    const plane = await startDataPlane({ state, appPort: app.port, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
    planes.push(plane);
    endpoints.push({ instanceId: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`, version: upstream.version, address: "127.0.0.1", port: plane.inboundPort });
  }
  const client = new AgentState("client", "v1");
  client.setCredentials(await pki.issue("client"));
  client.onRecord((record) => records.push(record));
  let revision = 1;
  const setPolicy = (next: unknown): void => {
    const server: DestinationConfig = { trafficPolicy: trafficPolicy(next), endpoints };
    client.setSnapshot(snapshot({ service: "client", revision: revision++, destinations: { server } }));
  };
  setPolicy(policy);
  const clientPlane = await startDataPlane({ state: client, appPort: 1, inboundPort: 0, outboundPort: 0, inboundHost: "127.0.0.1" });
  planes.push(clientPlane);
  return {
    outboundPort: clientPlane.outboundPort,
    apps,
    serverStates,
    endpoints,
    records,
    setPolicy,
    async close() {
      await Promise.all(planes.map((plane) => plane.close(100)));
      await Promise.all(apps.map((app) => app.close()));
    },
  };
}
