import { it } from "vitest";
import { MeshHarness, sendThrough } from "../integration/harness.ts";
it("debug", async () => {
  const mesh = await MeshHarness.start();
  try {
    const client = await mesh.startInstance("client", "v1");
    const echo = await mesh.startInstance("echo", "v1");
    await mesh.waitForEndpoints(client, "echo", { v1: 1 });
    const r = await Promise.race([sendThrough(client, "echo", "/x"), new Promise((_, rej) => setTimeout(() => rej(new Error("hang")), 5000))]);
    console.log("RESULT", JSON.stringify(r).slice(0, 500));
  } catch (e) { console.log("ERR", e); }
  finally {
    for (const i of (mesh as any).instances) console.log("OUT", i.service, i.agent.output().slice(-3000));
    await mesh.close();
  }
}, 120000);
