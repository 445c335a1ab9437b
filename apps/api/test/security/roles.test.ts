import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";
import { agentCsr, registerAgent, type RegisteredAgent } from "../agents/agent-client.ts";
import { databaseFingerprint } from "./database-fingerprint.ts";
import { bearer, callRaw, routerProcedures } from "./raw-trpc.ts";

const MESH_CONFIG = { apiVersion: "mesh/v1", kind: "MeshConfig", metadata: { name: "default" }, spec: { mtls: "strict", defaultAccess: "deny" } };
// Heartbeats lapse on their own while the test runs; that is the control plane's doing, not the caller's.
const VOLATILE = { Instance: ["health"] };

let mesh: TestControlPlane;
let viewer: string;
let editor: string;
let agent: RegisteredAgent;
let validInputs: Record<string, unknown>;

beforeAll(async () => {
  mesh = await startTestControlPlane();
  viewer = (await mesh.admin.tokens.create.mutate({ role: "viewer", name: "vera" })).token;
  editor = (await mesh.admin.tokens.create.mutate({ role: "editor", name: "eddie" })).token;
  const revocable = await mesh.admin.tokens.create.mutate({ role: "viewer", name: "revocable" });
  await mesh.admin.resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 90) });
  await mesh.admin.resources.applyDocuments.mutate({ documents: [MESH_CONFIG] });
  agent = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "reviews" });
  // Touch each token once, so its lastUsedAt (kept to the minute) does not move during a test.
  for (const token of [viewer, editor]) await mesh.client(token).auth.whoami.query();
  // Inputs each procedure would accept from someone allowed to call it, so a refusal is about who calls, not what.
  validInputs = {
    "resources.applyDocuments": { yaml: trafficPolicyYaml("reviews", 10) },
    "resources.delete": { kind: "TrafficPolicy", name: "reviews" },
    "revisions.rollback": { revision: 1 },
    "tokens.create": { role: "admin", name: "escalated" },
    "tokens.revoke": { id: revocable.id },
    "tokens.createJoinToken": { service: "reviews", description: "sneaky" },
    "auth.createSession": undefined,
    "auth.logout": undefined,
    "agent.register": { service: "intruder", version: "v1", address: "127.0.0.1", inboundPort: 15006 },
    "agent.certificate": { csrPem: await agentCsr("spiffe://mesh.local/service/reviews") },
    "agent.heartbeat": { instanceId: agent.registration.instanceId, health: "ok", appliedRevision: 2 },
    "agent.deregister": undefined,
    "telemetry.report": { rollups: [], accessLogs: [] },
  };
});
afterAll(() => mesh?.close());

const SESSION_MUTATIONS = ["auth.createSession", "auth.logout"];
const mutations = () => routerProcedures().filter((p) => p.type === "mutation");
const fingerprint = () => databaseFingerprint(mesh.database.url, VOLATILE);

describe("who may call what (every procedure of the real router)", () => {
  it("knows a valid input for every mutation the router has", () => {
    expect(mutations().map((p) => p.path).sort()).toEqual(Object.keys(validInputs).sort());
  });

  it("answers 401 to every procedure but whoami when no token is given", async () => {
    for (const { path, type } of routerProcedures()) {
      const answer = await callRaw(mesh.controlPlane.url, path, type, validInputs[path], {});
      if (path === "auth.whoami") expect(answer.status, path).toBe(200);
      // tRPC answers a subscription with an event stream (200) whose first event is the refusal.
      else expect([path, answer.status, answer.code]).toEqual([path, type === "subscription" ? 200 : 401, "UNAUTHORIZED"]);
    }
  });

  it("a viewer token gets 403 from every mutation but signing in to the dashboard, and nothing in the database changes", async () => {
    const before = await fingerprint();
    // Every operator, a viewer too, may open and end a dashboard session (test/auth/sessions.test.ts).
    for (const { path } of mutations().filter((p) => !SESSION_MUTATIONS.includes(p.path))) {
      const answer = await callRaw(mesh.controlPlane.url, path, "mutation", validInputs[path], bearer(viewer));
      expect([path, answer.status, answer.code]).toEqual([path, 403, "FORBIDDEN"]);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("an editor gets 403 from every admin procedure, and nothing changes", async () => {
    const before = await fingerprint();
    const adminOnly = routerProcedures().filter((p) => p.path.startsWith("tokens."));
    expect(adminOnly.length).toBe(5);
    for (const { path, type } of adminOnly) {
      const answer = await callRaw(mesh.controlPlane.url, path, type, validInputs[path] ?? {}, bearer(editor));
      expect([path, answer.status, answer.message]).toEqual([path, 403, "needs role admin or higher; eddie is editor"]);
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("an editor cannot change the mesh-wide MeshConfig (admin's, per the design) by apply, delete, dry run or rollback", async () => {
    const before = await fingerprint();
    const client = mesh.client(editor);
    const permissive = { ...MESH_CONFIG, spec: { mtls: "permissive", defaultAccess: "allow" } };
    const refused = { data: { httpStatus: 403 }, message: "changing MeshConfig/default needs role admin; eddie is editor, nothing was applied" };
    await expect(client.resources.applyDocuments.mutate({ documents: [permissive] })).rejects.toMatchObject(refused);
    await expect(client.resources.applyDocuments.mutate({ documents: [permissive], dryRun: true })).rejects.toMatchObject(refused);
    await expect(client.resources.delete.mutate({ kind: "MeshConfig", name: "default" })).rejects.toMatchObject(refused);
    // Revision 1 predates the MeshConfig: restoring it would delete it.
    await expect(client.revisions.rollback.mutate({ revision: 1 })).rejects.toMatchObject(refused);
    expect(await fingerprint()).toEqual(before);

    // A GitOps file may carry the MeshConfig unchanged beside the policies an editor does change.
    const result = await client.resources.applyDocuments.mutate({ documents: [MESH_CONFIG, { apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "ratings" }, spec: {} }] });
    expect(result.changes.map((c) => [c.kind, c.action])).toEqual([["MeshConfig", "unchanged"], ["TrafficPolicy", "create"]]);
  });

  it("a join token and an agent credential get 403 from every operator mutation, and nothing changes", async () => {
    const before = await fingerprint();
    const operatorMutations = mutations().filter((p) => !p.path.startsWith("agent.") && !p.path.startsWith("telemetry."));
    for (const token of [mesh.controlPlane.joinToken, agent.registration.credential]) {
      for (const { path } of operatorMutations) {
        const answer = await callRaw(mesh.controlPlane.url, path, "mutation", validInputs[path], bearer(token));
        expect([path, answer.status, answer.message]).toEqual([path, 403, expect.stringMatching(/^operators only; this is a (join|agent) token$/)]);
      }
    }
    const register = await callRaw(mesh.controlPlane.url, "agent.register", "mutation", validInputs["agent.register"], bearer(agent.registration.credential));
    expect([register.status, register.message]).toEqual([403, "needs a join token"]);
    for (const path of ["agent.certificate", "agent.heartbeat", "agent.deregister", "telemetry.report"]) {
      const answer = await callRaw(mesh.controlPlane.url, path, "mutation", validInputs[path], bearer(mesh.controlPlane.joinToken));
      expect([path, answer.status]).toEqual([path, 403]);
    }
    expect(await fingerprint()).toEqual(before);
  });
});
