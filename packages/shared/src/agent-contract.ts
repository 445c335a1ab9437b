import { z } from "zod";
import { serviceNameSchema, versionSchema } from "./names.ts";
import type { MeshConfigSpec, TrafficPolicySpec, AccessPolicySpec, RateLimit } from "./resources.ts";

/** agent.register, authenticated with the join token. */
export const registerInputSchema = z.strictObject({
  service: serviceNameSchema,
  version: versionSchema,
  /** Where other agents reach this one's inbound port. */
  address: z.string().min(1).max(255),
  inboundPort: z.int().min(1).max(65535),
  adminPort: z.int().min(1).max(65535).optional(),
  agentVersion: z.string().max(64).optional(),
});
export type RegisterInput = z.infer<typeof registerInputSchema>;

export interface RegisterOutput {
  instanceId: string;
  /** Bearer credential bound to this service; used for every later call. */
  credential: string;
  trustDomain: string;
  heartbeatIntervalMs: number;
}

/** agent.certificate: a PKCS#10 CSR whose subject alternative name is this service's SPIFFE ID. */
export const certificateInputSchema = z.strictObject({ csrPem: z.string().min(1).max(16_384) });
export interface CertificateOutput {
  certificatePem: string;
  /** The CA certificate agents trust for peers. */
  caPem: string;
  notAfter: string;
}

/** A snapshot the agent could not apply: it keeps running the one it has and says why. */
export const snapshotRejectionSchema = z.strictObject({
  revision: z.int().min(0),
  error: z.string().min(1).max(2000),
});
export type SnapshotRejection = z.infer<typeof snapshotRejectionSchema>;

export const heartbeatInputSchema = z.strictObject({
  instanceId: z.string().uuid(),
  appliedRevision: z.int().min(0).nullable(),
  health: z.enum(["ok", "degraded"]),
  /** Left out (older agents) or null: the agent applied the newest snapshot it received. */
  rejected: snapshotRejectionSchema.nullable().optional(),
});
export type HeartbeatInput = z.infer<typeof heartbeatInputSchema>;

export interface Endpoint {
  instanceId: string;
  version: string;
  address: string;
  port: number;
}

export interface DestinationConfig {
  trafficPolicy: TrafficPolicySpec | null;
  endpoints: Endpoint[];
}

/** Everything one agent needs, pushed whole on subscribe and on every change. */
export interface AgentSnapshot {
  /** The config revision this snapshot reflects; acknowledged through heartbeat.appliedRevision. */
  revision: number;
  service: string;
  trustDomain: string;
  meshConfig: MeshConfigSpec;
  inbound: {
    accessPolicies: { name: string; spec: AccessPolicySpec }[];
    rateLimit: RateLimit | null;
  };
  /** Every service in the mesh by name (including this one). */
  destinations: Record<string, DestinationConfig>;
}
