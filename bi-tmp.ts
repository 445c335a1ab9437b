import { readFileSync } from "node:fs";
import { startBookinfo } from "./examples/bookinfo/launch.ts";
const t0 = Date.now();
const bi = await startBookinfo({ controlPlaneUrl: "http://127.0.0.1:4500", joinToken: readFileSync("/tmp/bi/join-token", "utf8").trim(), dataDir: "/tmp/bi", rate: 5 });
console.log("ready after", Date.now() - t0, "ms", bi.instances.map(i => `${i.service}@${i.version}:${i.outboundPort}`).join(" "));
process.on("SIGTERM", async () => { await bi.stop(); console.log("stopped"); process.exit(0); });
