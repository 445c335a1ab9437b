import { chmod, mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "../../packages/testkit/src/processes.ts";

/** What users run: the agent as one ES module file, no TypeScript loader in its process. */
export const AGENT_BUNDLE = path.join(REPO_ROOT, "apps/agent/dist/mesh-agent.mjs");
export const AGENT_ENTRY = path.join(REPO_ROOT, "apps/agent/src/main.ts");

/**
 * Node flags for an agent process. A 2 MiB young generation (V8's default grows to 16 MiB per semi-space under
 * load) keeps the agent's peak RSS about 25 MB lower at full load, for about 5% of its maximum throughput in A/B
 * runs (latency at 1,000 req/s the same within noise): a sidecar's memory is paid once per pod.
 */
export const AGENT_NODE_FLAGS = ["--max-semi-space-size=2"];

/**
 * Bundles a TypeScript entry with everything it imports into one executable ESM file that runs with
 * AGENT_NODE_FLAGS. Written to a temporary name and renamed, so a process starting the bundle while another build
 * runs never reads half a file.
 */
export async function bundleEntry(entry: string, outfile: string): Promise<void> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  await build({
    entryPoints: [entry],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: {
      js: [
        `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(" ")}`,
        // Some CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
        "import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);",
      ].join("\n"),
    },
    logLevel: "warning",
  });
  await chmod(partial, 0o755);
  await rename(partial, outfile);
}

/** An agent's place in the mesh: what `mesh-agent`'s flags say. */
export interface AgentLaunch {
  service: string;
  version: string;
  ports: { app: number; inbound: number; outbound: number; admin: number };
  controlPlaneUrl: string;
  joinToken: string;
  dataDir: string;
  advertiseAddress?: string;
}

/** Node's arguments to run the bundled agent with these flags (the bundle must have been built); pass `agentEnv` as its environment. */
export function agentNodeArgs(launch: AgentLaunch): string[] {
  const { ports } = launch;
  return [
    ...AGENT_NODE_FLAGS,
    AGENT_BUNDLE,
    ...["--service", launch.service, "--version", launch.version, "--app-port", String(ports.app)],
    ...["--inbound-port", String(ports.inbound), "--outbound-port", String(ports.outbound), "--admin-port", String(ports.admin)],
    ...["--control-plane", launch.controlPlaneUrl, "--data-dir", launch.dataDir],
    ...(launch.advertiseAddress ? ["--advertise-address", launch.advertiseAddress] : []),
  ];
}

/** The agent's environment for this launch: the join token goes there, never on the command line (readable in /proc). */
export function agentEnv(launch: AgentLaunch): Record<string, string> {
  return { MESH_JOIN_TOKEN: launch.joinToken };
}
