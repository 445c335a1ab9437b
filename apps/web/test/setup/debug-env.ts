// TEMPORARY debug harness (deleted before hand-off).
import setup from "./global-setup.ts";
let provided: unknown;
const stop = await setup({ provide: (_k: string, v: unknown) => (provided = v) } as never);
console.log(JSON.stringify(provided));
process.on("SIGTERM", async () => { await stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
