import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { freePorts, startTsProcess, waitFor, type RunningProcess } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeshHarness } from "./harness.ts";

// Issue 21, item 2: the join token never rides on argv, and a scoped one registers its own service only.
let mesh: MeshHarness;
const running: RunningProcess[] = [];

beforeAll(async () => {
  mesh = await MeshHarness.start();
});
afterAll(async () => {
  await Promise.allSettled(running.map((agent) => agent.stop(3000)));
  await mesh?.close();
});

async function agentArgs(service: string): Promise<{ args: string[]; admin: number }> {
  const [app, inbound, outbound, admin] = (await freePorts(4)) as [number, number, number, number];
  const args = [
    "--service", service,
    "--version", "v1",
    ...["--app-port", app, "--inbound-port", inbound, "--outbound-port", outbound, "--admin-port", admin].map(String),
    "--control-plane", mesh.cp.url,
    "--data-dir", path.join(mesh.root, `${service}-${inbound}`),
    "--advertise-address", "127.0.0.1",
  ];
  return { args, admin };
}

function start(args: string[], env: Record<string, string> = {}): RunningProcess {
  const agent = startTsProcess("apps/agent/src/main.ts", args, { MESH_JOIN_TOKEN: "", LOG_LEVEL: "info", ...env });
  running.push(agent);
  return agent;
}

describe("mesh-agent and its join token", () => {
  it("refuses --join-token on the command line, saying why and what to use instead", async () => {
    const { args } = await agentArgs("reviews");
    const agent = start([...args, "--join-token", mesh.cp.joinToken]);
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toContain("--join-token is refused: a token on the command line is readable by every user of this host (ps, /proc/PID/cmdline)");
    expect(agent.output()).toContain("pass --join-token-file FILE, or set MESH_JOIN_TOKEN");
    const status = await mesh.operator.agents.status.query();
    expect(status.agents).toEqual([]);
  });

  it("joins with a scoped token read from --join-token-file, which its command line never shows", async () => {
    const created = await mesh.operator.tokens.createJoinToken.mutate({ service: "reviews" });
    const file = path.join(mesh.root, "reviews-join-token");
    await writeFile(file, `${created.token}\n`, { mode: 0o600 });
    const { args, admin } = await agentArgs("reviews");
    const agent = start([...args, "--join-token-file", file]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${admin}/ready`)).ok, { timeoutMs: 90_000, intervalMs: 200, what: `the reviews agent to be ready\n${agent.output().slice(-2000)}` });

    const cmdline = await readFile(`/proc/${agent.child.pid}/cmdline`, "utf8");
    expect(cmdline).toContain("--join-token-file");
    expect(cmdline).not.toContain(created.token);
    const status = await mesh.operator.agents.status.query();
    expect(status.agents.map((a) => [a.service, a.attestation, a.address])).toEqual([["reviews", "join-token:scoped reviews", "127.0.0.1"]]);
  });

  it("cannot join as another service with a token scoped to reviews: the control plane says why", async () => {
    const created = await mesh.operator.tokens.createJoinToken.mutate({ service: "reviews" });
    const { args, admin } = await agentArgs("ratings");
    const agent = start(args, { MESH_JOIN_TOKEN: created.token });
    await waitFor(() => agent.output().includes('this join token may register only service \\"reviews\\", not \\"ratings\\"') || agent.output().includes('this join token may register only service "reviews", not "ratings"'), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `the ratings agent to be refused\n${agent.output().slice(-2000)}`,
    });
    expect((await fetch(`http://127.0.0.1:${admin}/ready`).catch(() => null))?.ok ?? false).toBe(false);
    const status = await mesh.operator.agents.status.query();
    expect(status.agents.filter((a) => a.service === "ratings")).toEqual([]);
  });
});
