// What bench/propagation.ts and its simulated-agent processes (propagation-agents.ts) tell each other.

export interface SimulatedAgentsOptions {
  url: string;
  joinToken: string;
  agents: { service: string; version: string }[];
  /** Every agent of the mesh (all processes): an agent sees the whole mesh once its snapshot lists this many endpoints. */
  meshEndpoints: number;
  firstInboundPort: number;
}

/** Sent on stdin once every process has registered its agents, so that registrations don't each push to all. */
export const SUBSCRIBE_COMMAND = "subscribe";

export type SimulatedAgentsReport =
  /** `count` agents here are registered and have sent their first heartbeat (they are endpoints). */
  | { type: "registered"; count: number }
  /** Every agent here holds a snapshot; `wholeMesh` when every snapshot lists every endpoint of the mesh. */
  | { type: "subscribed"; wholeMesh: boolean }
  /** Agent `agent` (index in options.agents) received its first snapshot of `revision` (or a newer one) at `at`. */
  | { type: "received"; agent: number; revision: number; at: number }
  /** ... and the heartbeat acknowledging it was answered at `at`. */
  | { type: "acknowledged"; agent: number; revision: number; at: number }
  /** A heartbeat failed; a real agent carries on, so the simulation does too, but the count is reported. */
  | { type: "heartbeat-failed"; message: string }
  | { type: "fatal"; message: string };

export const REPORT_PREFIX = "SIMULATED-AGENTS ";
