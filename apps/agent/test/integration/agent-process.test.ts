import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePorts, startTsProcess, waitFor } from "@mesh/testkit";
import { MeshHarness, sendThrough, type AppHandler, type ServiceInstance } from "./harness.ts";

describe("mesh-agent command line", () => {
  it("exits 2 naming every bad flag", async () => {
    const agent = startTsProcess("apps/agent/src/main.ts", ["--service", "Reviews", "--inbound-port", "0"]);
    expect(await agent.exited).toBe(2);
    const output = agent.output();
    expect(output).toContain('--service "Reviews" must be lowercase');
    expect(output).toContain("--version is required");
    expect(output).toContain("--app-port is required");
    expect(output).toContain('--inbound-port "0" must be a port number from 1 to 65535');
    expect(output).toContain("usage: mesh-agent");
  });

  it("exits 2 when it has neither a join token nor an earlier registration", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "agent-no-token-"));
    const [app, inbound, outbound, admin] = await freePorts(4);
    const ports = ["--app-port", app, "--inbound-port", inbound, "--outbound-port", outbound, "--admin-port", admin].map(String);
    const agent = startTsProcess("apps/agent/src/main.ts", ["--service", "reviews", "--version", "v1", ...ports, "--data-dir", dataDir], { MESH_JOIN_TOKEN: "" });
    try {
      expect(await agent.exited).toBe(2);
      expect(agent.output()).toContain("no join token: pass --join-token-file FILE or set MESH_JOIN_TOKEN");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("graceful shutdown", () => {
  let mesh: MeshHarness;
  let caller: ServiceInstance;
  let slow: ServiceInstance;
  let arrived: () => void = () => undefined;
  const slowApp: AppHandler = (_req, res) => {
    arrived();
    setTimeout(() => res.writeHead(200).end("finished"), 1500);
  };

  beforeAll(async () => {
    mesh = await MeshHarness.start();
    [caller, slow] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("slow", "v1", slowApp)]);
    await mesh.waitForEndpoints(caller, "slow", { v1: 1 });
  });

  afterAll(() => mesh?.close());

  it("on SIGTERM stops being ready, deregisters, finishes in-flight requests and exits 0", async () => {
    const reachedApp = new Promise<void>((resolve) => (arrived = resolve));
    const inFlight = sendThrough(caller, "slow", "/long");
    await reachedApp;
    slow.agent.child.kill("SIGTERM");

    await waitFor(async () => (await slow.adminGet("/ready").catch(() => null))?.status !== 200, { timeoutMs: 10_000, what: "not ready" });
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toBe("finished");
    expect(await slow.agent.exited).toBe(0);
    expect(slow.agent.output()).toContain("deregistered");
    await mesh.waitForEndpoints(caller, "slow", { v1: 0 });
  });
});
