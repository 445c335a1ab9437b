import type { Logger } from "pino";
import { FlagError, type AgentFlags } from "./cli/agent-flags.ts";
import type { AgentState } from "./state.ts";
import { startAdminServer } from "./admin/admin-server.ts";
import { createAgentMetrics } from "./admin/agent-metrics.ts";
import { AgentStore } from "./discovery/agent-store.ts";
import { Discovery } from "./discovery/discovery.ts";
import { Identity } from "./identity/identity.ts";
import { startDataPlane } from "./data-plane.ts";
import { startTelemetry, TELEMETRY_OFF } from "./telemetry/index.ts";

export const AGENT_VERSION = "0.1.0";

export interface RunningAgent {
  adminPort: number;
  /** Not ready, deregister, drain in-flight requests for up to `drainMs`, close everything. */
  stop(drainMs: number): Promise<void>;
}

/** Wires one agent: cached state from disk, the data plane, telemetry, the admin endpoints, then the control-plane link. */
export async function startAgent({ flags, state, log }: { flags: AgentFlags; state: AgentState; log: Logger }): Promise<RunningAgent> {
  const store = new AgentStore(flags.dataDir);
  await store.init();
  let discovery: Discovery | null = null;
  const identity = new Identity({
    state,
    store,
    log: log.child({ module: "identity" }),
    requestCertificate: (csrPem) => discovery!.client.agent.certificate.mutate({ csrPem }),
  });
  discovery = new Discovery({
    controlPlaneUrl: flags.controlPlane,
    joinToken: flags.joinToken,
    registration: {
      service: flags.service,
      version: flags.version,
      address: flags.advertiseAddress,
      inboundPort: flags.inboundPort,
      adminPort: flags.adminPort,
      agentVersion: AGENT_VERSION,
    },
    state,
    store,
    identity,
    log: log.child({ module: "discovery" }),
  });
  await discovery.loadCached();
  if (!flags.joinToken && !discovery.credential()) {
    throw new FlagError("no join token: pass --join-token-file FILE or set MESH_JOIN_TOKEN (needed until the agent has registered once)");
  }
  await identity.loadCached();

  const registry = createAgentMetrics(state);
  state.on("ejection", (ejection) => log.warn(ejection, "endpoint ejected"));
  // MESH_AGENT_TELEMETRY=off: no spans, rollups or access log (the benchmark's comparison); /metrics stays.
  const telemetryOff = process.env.MESH_AGENT_TELEMETRY === "off";
  if (telemetryOff) log.info("telemetry off (MESH_AGENT_TELEMETRY=off): no spans, metric rollups or access log; /metrics still served");
  const telemetry = telemetryOff
    ? TELEMETRY_OFF
    : startTelemetry(state, {
        controlPlaneUrl: flags.controlPlane,
        credential: () => discovery.credential(),
        otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || null,
        log: log.child({ module: "telemetry" }),
      });
  const dataPlane = await startDataPlane({
    state,
    appPort: flags.appPort,
    inboundPort: flags.inboundPort,
    outboundPort: flags.outboundPort,
    inboundHost: "0.0.0.0",
  });
  const admin = await startAdminServer({ state, registry, port: flags.adminPort, controlPlane: () => discovery.link() });
  discovery.start();
  log.info(
    { inboundPort: flags.inboundPort, outboundPort: flags.outboundPort, adminPort: admin.port, controlPlane: flags.controlPlane, dataDir: flags.dataDir },
    "agent started",
  );

  return {
    adminPort: admin.port,
    async stop(drainMs) {
      admin.setDraining();
      // Telemetry is sent while the credential still works; requests finishing during the drain are only logged.
      await telemetry.flush();
      await discovery.stop();
      identity.stop();
      await dataPlane.close(drainMs);
      await telemetry.close();
      await admin.close();
    },
  };
}
