// `pnpm build:agent`: bundles the agent (apps/agent/src/main.ts) into apps/agent/dist/mesh-agent.mjs, the file
// `pnpm mesh-agent`, `pnpm start` and the benchmarks run. esbuild takes about 0.1 s, so it always rebuilds.
import { AGENT_BUNDLE, AGENT_ENTRY, bundleEntry } from "./lib/agent-bundle.ts";

await bundleEntry(AGENT_ENTRY, AGENT_BUNDLE);
