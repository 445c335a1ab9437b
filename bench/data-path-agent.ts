// Process entry: one agent's data plane (the real startDataPlane) with its config given in argv[2] as JSON,
// standing in for what discovery/ and identity/ would fetch from the control plane.
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import path from "node:path";
import type { AgentSnapshot } from "../packages/shared/src/index.ts";
import { startDataPlane } from "../apps/agent/src/data-plane.ts";
import { AgentState, type TlsCredentials } from "../apps/agent/src/state.ts";

export interface BenchAgentOptions {
  service: string;
  version: string;
  appPort: number;
  inboundPort: number;
  outboundPort: number;
  credentials: Omit<TlsCredentials, "notAfter"> & { notAfter: string };
  snapshot: AgentSnapshot;
}

const options = JSON.parse(process.argv[2] ?? "") as BenchAgentOptions;
// --cpu-prof is refused in NODE_OPTIONS and tsx sits between us and node, so profile through the inspector.
const profileDir = process.env.MESH_BENCH_PROFILE_DIR;
const profiler = profileDir ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
}
const state = new AgentState(options.service, options.version);
state.setCredentials({ ...options.credentials, notAfter: new Date(options.credentials.notAfter) });
state.setSnapshot(options.snapshot);
// A sink like the metrics/telemetry ones: the record must be built and delivered, as in production.
let records = 0;
state.onRecord(() => void records++);
const plane = await startDataPlane({ state, appPort: options.appPort, inboundPort: options.inboundPort, outboundPort: options.outboundPort, inboundHost: "127.0.0.1" });
process.stdout.write("READY\n");
process.on("SIGTERM", () => {
  void (async () => {
    await plane.close(100);
    if (profiler) {
      const { profile } = await profiler.post("Profiler.stop");
      await writeFile(path.join(profileDir!, `${options.service}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    process.exit(0);
  })();
});
