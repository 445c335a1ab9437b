import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopOrphanedPostgres } from "../../src/db/orphaned-postgres.ts";
import { apiClient } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";
import { agentClient, agentCsr, registerAgent } from "../agents/agent-client.ts";
import { startChildControlPlane, type ChildControlPlane } from "./child-control-plane.ts";

describe("control plane killed (SIGKILL) and restarted on the same data dir, with its embedded PostgreSQL", () => {
  let dataDir: string;
  let port: number;
  const running: ChildControlPlane[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "mesh-restart-"));
    port = await freePort();
  });
  afterAll(async () => {
    for (const child of running) await child.stop().catch(() => undefined);
    // Should a step above fail after a kill, the killed control plane's PostgreSQL would outlive the test.
    await stopOrphanedPostgres(join(dataDir, "postgres"), undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const child = await startChildControlPlane({ MESH_DATA_DIR: dataDir, MESH_PORT: String(port), DATABASE_URL: "", MESH_ADMIN_TOKEN: "", MESH_JOIN_TOKEN: "" });
    running.push(child);
    return child;
  };

  it("keeps tokens, the CA, issued credentials and every resource and revision", async () => {
    const first = await start();
    const admin = apiClient(first.url, first.adminToken);
    const editor = await admin.tokens.create.mutate({ role: "editor", name: "eddie" });
    const fleetJoin = await admin.tokens.createJoinToken.mutate({ service: "reviews", description: "fleet" });
    await admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 80) });
    await apiClient(first.url, editor.token).resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("ratings", 50) });
    const agent = await registerAgent(first.url, fleetJoin.token, { service: "reviews" });
    await agent.heartbeat("ok", 2);
    const issued = await agent.client.agent.certificate.mutate({ csrPem: await agentCsr("spiffe://mesh.local/service/reviews") });
    const before = {
      ca: await admin.certificates.ca.query(),
      resources: await admin.resources.get.query({ kind: "TrafficPolicy" }),
      revisions: await admin.revisions.list.query(),
    };

    await first.kill();
    running.splice(running.indexOf(first), 1);
    await expect(fetch(`${first.url}/healthz`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });

    const second = await start();
    expect(second.url).toBe(first.url);
    expect([second.adminToken, second.joinToken]).toEqual([first.adminToken, first.joinToken]);
    expect((await readFile(join(dataDir, "admin-token"), "utf8")).trim()).toBe(first.adminToken);
    const admin2 = apiClient(second.url, second.adminToken);

    await expect(apiClient(second.url, editor.token).auth.whoami.query()).resolves.toEqual({ kind: "operator", role: "editor", name: "eddie" });
    await expect(agentClient(second.url, fleetJoin.token).auth.whoami.query()).resolves.toEqual({ kind: "join", service: "reviews" });
    await expect(agentClient(second.url, agent.registration.credential).agent.heartbeat.mutate({ instanceId: agent.registration.instanceId, health: "ok", appliedRevision: 2 })).resolves.toEqual({ ok: true });
    const ca = await admin2.certificates.ca.query();
    expect(ca).toEqual(before.ca);
    expect(new X509Certificate(issued.certificatePem).verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(await admin2.resources.get.query({ kind: "TrafficPolicy" })).toEqual(before.resources);
    expect(await admin2.revisions.list.query()).toEqual(before.revisions);

    // And it keeps working: a change after the restart is revision 3.
    await expect(admin2.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 20) })).resolves.toMatchObject({ revision: 3 });
  });
});
