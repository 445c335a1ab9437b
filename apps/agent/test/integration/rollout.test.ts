import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mesh/testkit";
import { runMesh } from "../../../api/test/cli/run-mesh.ts";
import { MeshHarness, type ServiceInstance } from "./harness.ts";

// `mesh apply --wait` and `mesh rollout status`, run as the real CLI against a real control plane and real agents.

let mesh: MeshHarness;
let frontend: ServiceInstance;
let reviews: ServiceInstance;
let ratings: ServiceInstance;
let asAdmin: Record<string, string>;
const instanceIds = new Map<ServiceInstance, string>();

const reviewsTimeout = (timeout: string) => `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - backends: [{ version: v1, weight: 100 }]
  timeout: ${timeout}
`;

const ratingsReaders = (from: string) => `apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec:
  target: ratings
  action: allow
  from: [${from}]
`;

interface RolloutJson {
  revision: number;
  applied: number;
  total: number;
  pending: { service: string; instance: string; reason: string }[];
}

async function rolloutStatus(revision?: number): Promise<RolloutJson> {
  const run = await runMesh(["rollout", "status", ...(revision === undefined ? [] : [String(revision)]), "-o", "json"], asAdmin);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as RolloutJson;
}

async function appliedRevisions(): Promise<Record<string, number | null>> {
  const { agents } = await mesh.operator.agents.status.query();
  return Object.fromEntries(agents.map((agent) => [agent.service, agent.appliedRevision]));
}

/** SIGSTOP within a moment of the agent's last heartbeat (its own lastContact), so how long it has been silent is known to the test. */
async function pauseRightAfterHeartbeat(instance: ServiceInstance): Promise<void> {
  await waitFor(
    async () => {
      const { controlPlane } = (await (await instance.adminGet("/config")).json()) as { controlPlane: { lastContact: string | null } };
      return controlPlane.lastContact !== null && Date.now() - Date.parse(controlPlane.lastContact) < 300;
    },
    { timeoutMs: 10_000, intervalMs: 50, what: `a fresh heartbeat from ${instance.service}` },
  );
  instance.agent.child.kill("SIGSTOP");
}

const psql = (sql: string) => promisify(execFile)("psql", [mesh.db.url, "-v", "ON_ERROR_STOP=1", "-c", sql]);

beforeAll(async () => {
  mesh = await MeshHarness.start();
  asAdmin = { MESH_API_URL: mesh.cp.url, MESH_TOKEN: mesh.cp.adminToken };
  [frontend, reviews, ratings] = await Promise.all([mesh.startInstance("frontend", "v1"), mesh.startInstance("reviews", "v1"), mesh.startInstance("ratings", "v1")]);
  const { agents } = await mesh.operator.agents.status.query();
  for (const instance of [frontend, reviews, ratings]) instanceIds.set(instance, agents.find((agent) => agent.service === instance.service)!.instanceId);
});

afterAll(async () => {
  // A test that failed while an agent was paused must not leave it stopped for the harness to wait on.
  if (frontend?.agent.child.exitCode === null) frontend.agent.child.kill("SIGCONT");
  await mesh?.close();
});

describe("mesh apply --wait", () => {
  it("returns 0 once every affected live agent has acknowledged the new revision", async () => {
    const run = await runMesh(["apply", "--wait", "-f", "-"], asAdmin, reviewsTimeout("2s"));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("TrafficPolicy/reviews created");
    const revision = Number(/^revision (\d+): applied by 3 of 3 affected agents$/m.exec(run.stdout)?.[1]);
    expect(revision).toBeGreaterThan(0);
    // Acknowledged before the CLI returned, not merely pushed.
    expect(await appliedRevisions()).toEqual({ frontend: revision, reviews: revision, ratings: revision });
  });

  it("refuses a --timeout that is not a duration, or without --wait, naming the flag", async () => {
    const bad = await runMesh(["apply", "--wait", "--timeout", "soon", "-f", "-"], asAdmin, reviewsTimeout("3s"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--timeout: "soon" is not a duration`);
    const alone = await runMesh(["apply", "--timeout", "3s", "-f", "-"], asAdmin, reviewsTimeout("3s"));
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("--timeout needs --wait");
    expect((await mesh.operator.resources.get.query({ kind: "TrafficPolicy", name: "reviews" }))[0]?.spec).toMatchObject({ timeout: "2s" });
  });
});

describe("mesh rollout status", () => {
  it("prints exactly {revision, applied, total, pending} for the newest revision, and a table for people", async () => {
    const latest = (await mesh.operator.revisions.list.query({ limit: 1 }))[0]!.id;
    await waitFor(async () => (await rolloutStatus()).applied === 3, { what: "every agent to acknowledge" });
    const status = await rolloutStatus();
    expect(Object.keys(status)).toEqual(["revision", "applied", "total", "pending"]);
    expect(status).toEqual({ revision: latest, applied: 3, total: 3, pending: [] });

    const table = await runMesh(["rollout", "status", String(latest)], asAdmin);
    expect(table.code).toBe(0);
    expect(table.stdout.trim()).toBe(`revision ${latest}: applied by 3 of 3 affected agents`);
  });

  it("names a revision that does not exist, and a malformed one", async () => {
    const missing = await runMesh(["rollout", "status", "999"], asAdmin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("revision 999 does not exist");
    const malformed = await runMesh(["rollout", "status", "latest"], asAdmin);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(`REVISION must be a revision number like 3 (got "latest")`);
  });
});

describe("an agent that cannot apply a snapshot", () => {
  it("keeps its last good config and reports the error with its ack; apply --wait names it at once", async () => {
    const before = await appliedRevisions();
    // A row changed behind the API's back (as a newer control plane or a hand edit could): the agents' schemas refuse it.
    await psql(`CREATE FUNCTION corrupt_spec() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.spec := NEW.spec || '{"timeout":"soon"}'::jsonb; RETURN NEW; END $$;
      CREATE TRIGGER corrupt_broken BEFORE INSERT ON "TrafficPolicy" FOR EACH ROW WHEN (NEW.name = 'broken') EXECUTE FUNCTION corrupt_spec();`);
    const started = Date.now();
    const run = await runMesh(["apply", "--wait", "--timeout", "20s", "-f", "-"], asAdmin, reviewsTimeout("2s").replace("name: reviews", "name: broken"));
    expect(run.code).toBe(1);
    // Every pending agent had rejected it: nothing was left to wait for.
    expect(Date.now() - started).toBeLessThan(15_000);
    const revision = Number(/revision (\d+) was written, but 3 of 3 affected agents have not applied it within 20s/.exec(run.stderr)?.[1]);
    expect(revision).toBeGreaterThan(0);
    for (const instance of [frontend, reviews, ratings]) {
      expect(run.stderr).toContain(`${instance.service} ${instanceIds.get(instance)}: rejected: TrafficPolicy/broken: spec.timeout: must be a duration`);
      expect((await instance.config()).revision).toBe(before[instance.service]);
    }
    expect((await rolloutStatus(revision)).pending.map((agent) => agent.reason)).toEqual(Array(3).fill(expect.stringMatching(/^rejected: TrafficPolicy\/broken: spec\.timeout/)));

    // Removing the bad resource is a revision every agent can apply; the rejection is cleared with it.
    await psql(`DROP TRIGGER corrupt_broken ON "TrafficPolicy"; DROP FUNCTION corrupt_spec();`);
    const fixed = await runMesh(["delete", "TrafficPolicy", "broken"], asAdmin);
    expect(fixed.code).toBe(0);
    await waitFor(async () => (await rolloutStatus()).applied === 3, { timeoutMs: 15_000, what: "every agent to apply the revision that removed it" });
    expect(await rolloutStatus(revision)).toMatchObject({ applied: 3, total: 3, pending: [] });
  });
});

describe("with one agent paused (SIGSTOP)", () => {
  it("a revision that changes only another service's config does not wait for it", async () => {
    await pauseRightAfterHeartbeat(frontend);
    const run = await runMesh(["apply", "--wait", "--timeout", "10s", "-f", "-"], asAdmin, ratingsReaders("reviews"));
    frontend.agent.child.kill("SIGCONT");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^revision \d+: applied by 1 of 1 affected agent$/m);
  });

  it("apply --wait --timeout 3s exits non-zero naming it: not acknowledged, then disconnected once its heartbeats stop", async () => {
    // Paused just after a heartbeat: two periods later it is disconnected, and it expires (leaves the count) after 10 s.
    await pauseRightAfterHeartbeat(frontend);
    const run = await runMesh(["apply", "--wait", "--timeout", "3s", "-f", "-"], asAdmin, reviewsTimeout("4s"));
    expect(run.code).toBe(1);
    const revision = Number(/revision (\d+) was written, but 1 of 3 affected agents has not applied it within 3s/.exec(run.stderr)?.[1]);
    expect(revision).toBeGreaterThan(0);
    expect(run.stderr).toMatch(new RegExp(`^  frontend ${instanceIds.get(frontend)}: (not acknowledged|disconnected)$`, "m"));
    expect(run.stderr).not.toContain("reviews ");

    // Two heartbeat periods without one: the control plane calls it disconnected (it stays live until it expires).
    const disconnected = await waitFor(async () => {
      const status = await rolloutStatus(revision);
      return status.pending[0]?.reason === "disconnected" ? status : null;
    }, { timeoutMs: 10_000, intervalMs: 250, what: "the paused agent to be reported disconnected" });
    expect(disconnected).toEqual({ revision, applied: 2, total: 3, pending: [{ service: "frontend", instance: instanceIds.get(frontend), reason: "disconnected" }] });
    const table = await runMesh(["rollout", "status", String(revision)], asAdmin);
    expect(table.stdout).toMatch(/^SERVICE\s+INSTANCE\s+REASON$/m);
    expect(table.stdout).toMatch(new RegExp(`^frontend\\s+${instanceIds.get(frontend)}\\s+disconnected$`, "m"));

    frontend.agent.child.kill("SIGCONT");
    await waitFor(async () => (await rolloutStatus(revision)).pending.length === 0, { timeoutMs: 15_000, what: "the resumed agent to apply the revision" });
  });
});
