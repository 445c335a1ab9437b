import type { AgentSnapshot, DestinationConfig } from "@mesh/shared";
import type { MeshState } from "./mesh-state.ts";

/** What the agents of `service` need: its inbound rules, and every destination with its policy and endpoints. */
export function snapshotFromState(state: MeshState, service: string, trustDomain: string): AgentSnapshot {
  const destinations: Record<string, DestinationConfig> = {};
  for (const name of state.services) {
    destinations[name] = { trafficPolicy: state.trafficPolicies.get(name) ?? null, endpoints: state.endpoints.get(name) ?? [] };
  }
  return {
    revision: state.revision,
    service,
    trustDomain,
    meshConfig: state.meshConfig,
    inbound: {
      accessPolicies: state.accessPolicies.filter((policy) => policy.spec.target === service),
      rateLimit: state.trafficPolicies.get(service)?.rateLimit ?? null,
    },
    destinations,
  };
}
