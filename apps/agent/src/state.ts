import { EventEmitter } from "node:events";
import type { AgentSnapshot } from "@mesh/shared";

/** PEM material the agent presents and trusts; the private key never leaves this process. */
export interface TlsCredentials {
  keyPem: string;
  certificatePem: string;
  caPem: string;
  notAfter: Date;
}

/** One request through one side of the agent: what telemetry turns into a span, a metric and a log line. */
export interface RequestRecord {
  direction: "outbound" | "inbound";
  source: string;
  destination: string;
  /** Empty when no version was chosen (e.g. denied before routing). */
  destinationVersion: string;
  method: string;
  path: string;
  status: number;
  /** The cause from x-mesh-error when the agent answered itself. */
  cause: string | null;
  /** Policy name for denials, route index for routing, etc. */
  detail: string | null;
  startTime: number;
  durationMs: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  /** Whether this trace is sampled (W3C flags), so exporters skip unsampled work cheaply. */
  sampled: boolean;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** The peer's verified identity (inbound) or the chosen endpoint "addr:port" (outbound). */
  peer: string | null;
  mtls: boolean;
  /** Audit policies that matched (inbound): recorded in the access log and the span, never enforced. */
  audited?: string[];
  /** An upgraded connection (WebSocket): the bytes it carried each way, filled when it closes. */
  tunnelBytes?: { fromClient: number; toClient: number };
}

/** One endpoint taken out of a destination's pick list by the outbound side; what the metric and the log line name. */
export interface EndpointEjection {
  destination: string;
  version: string;
  /** "address:port" of the instance's inbound port. */
  endpoint: string;
  reason: "connect-failure" | "reset" | "consecutive-errors";
}

type StateEvents = {
  snapshot: [AgentSnapshot];
  credentials: [TlsCredentials];
  health: [AgentHealth];
  ejection: [EndpointEjection];
};

export type AgentHealth = "starting" | "ok" | "degraded";

/**
 * What the control-plane side (discovery/, identity/) hands to the data path (outbound/, inbound/):
 * the latest snapshot and credentials, replaced whole on change. Request handlers read the fields
 * directly; listeners react to changes (e.g. rebuilding TLS contexts).
 */
export class AgentState extends EventEmitter<StateEvents> {
  snapshot: AgentSnapshot | null = null;
  credentials: TlsCredentials | null = null;
  health: AgentHealth = "starting";
  private readonly recordSinks: ((record: RequestRecord) => void)[] = [];

  constructor(
    readonly service: string,
    readonly version: string,
  ) {
    super();
  }

  setSnapshot(snapshot: AgentSnapshot): void {
    this.snapshot = snapshot;
    this.emit("snapshot", snapshot);
  }

  setCredentials(credentials: TlsCredentials): void {
    this.credentials = credentials;
    this.emit("credentials", credentials);
  }

  setHealth(health: AgentHealth): void {
    if (health === this.health) return;
    this.health = health;
    this.emit("health", health);
  }

  /** The data path reports each ejection here; metrics and the log listen. */
  endpointEjected(ejection: EndpointEjection): void {
    this.emit("ejection", ejection);
  }

  /** Telemetry and metrics register here; called once per finished request on each side. */
  onRecord(sink: (record: RequestRecord) => void): void {
    this.recordSinks.push(sink);
  }

  record(record: RequestRecord): void {
    for (const sink of this.recordSinks) sink(record);
  }
}
