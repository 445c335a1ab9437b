import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BOOKINFO_EDGES, BOOKINFO_INSTANCES, BOOKINFO_SERVICES } from "../../examples/bookinfo/topology.ts";
import { createTestDatabase, type TestDatabase } from "../../packages/testkit/src/database.ts";
import { freePorts } from "../../packages/testkit/src/ports.ts";
import { isAlive } from "../../packages/testkit/src/processes.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";
import { apiQuery } from "./api-query.ts";
import { adminTokenOf, pnpmStart, pressCtrlC, type PnpmStart } from "./pnpm-start.ts";
import { takeTheTour } from "./tour.ts";
import { descendantsOf } from "./process-tree.ts";

interface Graph {
  nodes: { service: string; versions: string[]; requests: number }[];
  edges: { source: string; destination: string; requests: number; mtls: boolean }[];
}
interface AgentsStatus {
  revision: number;
  agents: { service: string; version: string; health: string; upToDate: boolean }[];
}

let database: TestDatabase;
let dataDir: string;
let start: PnpmStart | undefined;
let apiPort: number;
let webPort: number;
let revisionsBeforeStop: number;

beforeAll(async () => {
  database = await createTestDatabase("mesh_e2e_start");
  dataDir = await mkdtemp(path.join(tmpdir(), "mesh-e2e-start-"));
  [apiPort, webPort] = (await freePorts(2)) as [number, number];
});

/** After a failed test, whatever it left running goes, so the next one finds its ports free. */
afterEach(async () => {
  if (start && start.child.exitCode === null && start.child.signalCode === null) {
    const leftovers = descendantsOf(start.child.pid!);
    process.kill(-start.child.pid!, "SIGINT");
    await Promise.race([start.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    for (const pid of [start.child.pid!, ...leftovers]) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
});

afterAll(async () => {
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("pnpm start", () => {
  it("brings up the control plane, the dashboard and the bookinfo mesh with live traffic, and Ctrl-C leaves nothing running", async () => {
    const env = { DATABASE_URL: database.url, MESH_API_PORT: String(apiPort), MESH_WEB_PORT: String(webPort), MESH_DEMO_RATE: "5" };
    const startedAt = Date.now();
    start = pnpmStart(["--data-dir", dataDir], env);

    const adminToken = await adminTokenOf(start, "pnpm start to print the admin token");
    const readyMs = Date.now() - startedAt;
    const output = start.output();
    expect(output).toMatch(/✓ control plane +http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/✓ demo config +examples\/bookinfo\/mesh\.yaml applied as revision 1/);
    expect(output).toMatch(/✓ demo mesh +7 apps behind agents, 5 req\/s to productpage/);
    expect(output).toContain(`Dashboard:    http://localhost:${webPort}`);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    // Every agent joined and runs the latest config.
    const status = await apiQuery<AgentsStatus>(apiUrl, adminToken, "agents.status");
    expect(status.agents.map((a) => `${a.service}@${a.version}`).sort()).toEqual(
      [...BOOKINFO_INSTANCES.map((i) => `${i.service}@${i.version}`), "loadgen@v1"].sort(),
    );

    // The graph shows every service, and traffic on every real call path, all over mTLS.
    const graph = await waitFor(
      async () => {
        const current = await apiQuery<Graph>(apiUrl, adminToken, "metrics.graph", { from: startedAt });
        const live = BOOKINFO_EDGES.every(([source, destination]) => current.edges.some((e) => e.source === source && e.destination === destination && e.requests > 0));
        return live ? current : null;
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: "traffic on every bookinfo edge in metrics.graph" },
    );
    const liveGraphMs = Date.now() - startedAt;
    expect(graph.nodes.map((n) => n.service)).toEqual(expect.arrayContaining([...BOOKINFO_SERVICES]));
    expect(graph.nodes.find((n) => n.service === "reviews")?.versions.sort()).toEqual(["v1", "v2", "v3"]);
    for (const [source, destination] of BOOKINFO_EDGES) {
      expect(graph.edges.find((e) => e.source === source && e.destination === destination)?.mtls, `${source} → ${destination} over mTLS`).toBe(true);
    }
    // No call the apps do not make: access policy allows exactly these paths.
    const unexpected = graph.edges.filter((e) => !BOOKINFO_EDGES.some(([s, d]) => e.source === s && e.destination === d));
    expect(unexpected).toEqual([]);

    // The dashboard answers, and reaches the API through its /trpc route.
    const login = await fetch(`http://127.0.0.1:${webPort}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain("<html");
    const whoami = await fetch(`http://127.0.0.1:${webPort}/trpc/auth.whoami`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(((await whoami.json()) as { result: { data: unknown } }).result.data).toMatchObject({ kind: "operator", role: "admin" });

    await takeTheTour(apiUrl, adminToken);
    revisionsBeforeStop = (await apiQuery<unknown[]>(apiUrl, adminToken, "revisions.list")).length;

    console.log(`pnpm start: ready (admin token printed) after ${(readyMs / 1000).toFixed(1)} s; live graph after ${(liveGraphMs / 1000).toFixed(1)} s`);

    // Ctrl-C: everything it started stops, and it exits cleanly.
    const started = descendantsOf(start.child.pid!);
    expect(started.length).toBeGreaterThanOrEqual(15);
    pressCtrlC(start.child);
    // pnpm itself reports "ELIFECYCLE Command failed" (and exits non-zero) whenever it gets SIGINT, so look at what start.ts printed.
    await start.exited;
    expect(start.output()).toMatch(/stopping…\nstopped\n/);
    await waitFor(() => started.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: "every process pnpm start started to be gone" }).catch(() => {
      throw new Error(`still running after Ctrl-C: ${started.filter(isAlive).join(", ")}`);
    });
    await expect(fetch(`${apiUrl}/healthz`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
  });

  it("a second start reuses the data dir: the same admin token, the config kept", async () => {
    const env = { DATABASE_URL: database.url, MESH_API_PORT: String(apiPort), MESH_WEB_PORT: String(webPort) };
    const firstToken = /Admin token: +(mesh_op_\S+)/.exec(start!.output())![1]!;
    start = pnpmStart(["--data-dir", dataDir, "--control-plane-only"], env);
    const adminToken = await adminTokenOf(start, "the second start");
    expect(adminToken).toBe(firstToken);
    expect(start.output()).not.toContain("Dashboard:");
    const revisions = await apiQuery<unknown[]>(`http://127.0.0.1:${apiPort}`, adminToken, "revisions.list");
    expect(revisions).toHaveLength(revisionsBeforeStop);
    pressCtrlC(start.child);
    await start.exited;
    expect(start.output()).toContain("stopped");
  });

  it("without DATABASE_URL keeps an embedded PostgreSQL in the data dir, stops it on Ctrl-C, and finds it again", async () => {
    const embeddedDir = await mkdtemp(path.join(tmpdir(), "mesh-e2e-embedded-"));
    const env = { DATABASE_URL: "", MESH_API_PORT: String(apiPort), MESH_WEB_PORT: String(webPort) };
    try {
      const tokens: string[] = [];
      for (const round of [1, 2]) {
        start = pnpmStart(["--data-dir", embeddedDir, "--control-plane-only"], env);
        const token = await adminTokenOf(start, `start ${round} with embedded PostgreSQL`);
        expect(start.output()).toContain("(embedded PostgreSQL in the data dir)");
        expect(await (await fetch(`http://127.0.0.1:${apiPort}/ready`)).text()).toBe("ready\n");
        tokens.push(token);
        const started = descendantsOf(start.child.pid!);
        pressCtrlC(start.child);
        await start.exited;
        expect(start.output()).toContain("stopped");
        await waitFor(() => started.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: "postgres and everything else to stop" });
      }
      expect(tokens[1]).toBe(tokens[0]);
    } finally {
      await rm(embeddedDir, { recursive: true, force: true });
    }
  });
});
