export { startConfigHub, InstanceDeregisteredError, type ConfigHub, type ConfigHubOptions, type StreamingAgent } from "./hub.ts";
export { notifyMeshChange, MESH_CHANGES_CHANNEL, type MeshChange } from "./mesh-changes.ts";
export { HEARTBEAT_INTERVAL_MS, INSTANCE_TTL_MS } from "./liveness.ts";
export { registerInstance } from "./register-instance.ts";
export { recordHeartbeat } from "./record-heartbeat.ts";
export { deregisterInstance } from "./deregister-instance.ts";
export { rolloutStatus, type RolloutStatus, type PendingAgent } from "./rollout-status.ts";
