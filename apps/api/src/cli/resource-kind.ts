import { RESOURCE_KINDS, type ResourceKind } from "@mesh/shared";
import { UsageError } from "./errors.ts";

const ALIASES: Record<string, ResourceKind> = {
  meshconfig: "MeshConfig",
  meshconfigs: "MeshConfig",
  mc: "MeshConfig",
  trafficpolicy: "TrafficPolicy",
  trafficpolicies: "TrafficPolicy",
  tp: "TrafficPolicy",
  accesspolicy: "AccessPolicy",
  accesspolicies: "AccessPolicy",
  ap: "AccessPolicy",
};

/** "trafficpolicies", "tp", "TrafficPolicy" → "TrafficPolicy", as kubectl accepts kinds. */
export function parseResourceKind(text: string): ResourceKind {
  const kind = ALIASES[text.toLowerCase()];
  if (!kind) throw new UsageError(`unknown kind "${text}"; use one of ${RESOURCE_KINDS.join(", ")}`);
  return kind;
}
