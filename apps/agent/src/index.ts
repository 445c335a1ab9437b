export { startAgent, AGENT_VERSION, type RunningAgent } from "./start-agent.ts";
export { parseAgentFlags, FlagError, type AgentFlags } from "./cli/agent-flags.ts";
export { AgentState, type RequestRecord, type TlsCredentials, type AgentHealth } from "./state.ts";
