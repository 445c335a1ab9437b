import { readFile } from "node:fs/promises";
import { REPO_ROOT, freePort } from "@mesh/testkit";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { runMesh } from "./run-mesh.ts";

let mesh: TestControlPlane;
let asAdmin: Record<string, string>;
let bookinfoYaml: string;

beforeAll(async () => {
  mesh = await startTestControlPlane();
  asAdmin = { MESH_API_URL: mesh.controlPlane.url, MESH_TOKEN: mesh.controlPlane.adminToken };
  bookinfoYaml = await readFile(path.join(REPO_ROOT, "examples/bookinfo/mesh.yaml"), "utf8");
});
afterAll(() => mesh?.close());

const canaryPolicy = (v1: number, v3: number) => `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - match: { headers: { x-user: jason } }
      backends: [{ version: v2, weight: 100 }]
    - backends: [{ version: v1, weight: ${v1} }, { version: v3, weight: ${v3} }]
  timeout: 2s
`;

describe("mesh apply / get / delete", () => {
  it("applies the bookinfo starter set from a file and lists it as a table", async () => {
    const applied = await runMesh(["apply", "-f", "examples/bookinfo/mesh.yaml"], asAdmin);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("TrafficPolicy/reviews created");
    expect(applied.stdout).toContain("AccessPolicy/ratings-from-reviews created");
    expect(applied.stdout).toMatch(/^revision \d+$/m);

    const table = await runMesh(["get", "trafficpolicies"], asAdmin);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ROUTES\s+TIMEOUT/);
    expect(lines.find((l) => l.startsWith("reviews"))).toMatch(/\[x-user\] v2=100; v1=90 v3=10\s+2s/);

    const policies = await runMesh(["get", "ap"], asAdmin);
    expect(policies.stdout).toMatch(/ratings-from-reviews\s+ratings\s+allow\s+reviews\s+GET \/ratings\/\*/);
  });

  it("prints one resource as YAML that applies back unchanged, and as JSON for scripts", async () => {
    const yaml = await runMesh(["get", "TrafficPolicy", "reviews", "-o", "yaml"], asAdmin);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^apiVersion: mesh\/v1\nkind: TrafficPolicy\nmetadata:\n  name: reviews/);

    const reapplied = await runMesh(["apply", "-f", "-"], asAdmin, yaml.stdout);
    expect(reapplied.code).toBe(0);
    expect(reapplied.stdout).toContain("TrafficPolicy/reviews unchanged");
    expect(reapplied.stdout).toContain("no changes");

    const json = await runMesh(["get", "tp", "reviews", "-o", "json"], asAdmin);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: "TrafficPolicy", metadata: { name: "reviews" }, spec: { timeout: "2s" } });
  });

  it("--dry-run prints the diff and changes nothing", async () => {
    const before = await runMesh(["history", "-o", "json"], asAdmin);
    const dryRun = await runMesh(["apply", "--dry-run", "-f", "--"], asAdmin, canaryPolicy(50, 50));
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain("TrafficPolicy/reviews updated (dry run)");
    expect(dryRun.stdout).toMatch(/^ {4}- +weight: 90$/m);
    expect(dryRun.stdout).toMatch(/^ {4}\+ +weight: 50$/m);
    expect(dryRun.stdout).toContain("dry run: nothing was changed");

    const still = await runMesh(["get", "tp", "reviews", "-o", "json"], asAdmin);
    expect(JSON.parse(still.stdout).spec.routes[1].backends).toEqual([{ version: "v1", weight: 90 }, { version: "v3", weight: 10 }]);
    expect((await runMesh(["history", "-o", "json"], asAdmin)).stdout).toBe(before.stdout);
  });

  it("refuses invalid input naming document, field and reason, and writes nothing of the batch", async () => {
    const before = await runMesh(["history", "-o", "json"], asAdmin);
    const input = `${canaryPolicy(60, 40)}---\n${canaryPolicy(80, 10).replace("name: reviews", "name: ratings")}`;
    const result = await runMesh(["apply", "-f", "-"], asAdmin, input);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("nothing was applied");
    expect(result.stderr).toContain("document 2 (TrafficPolicy/ratings): spec.routes[1].backends: weights sum to 90, must be 100");

    const after = await runMesh(["get", "tp", "reviews", "-o", "json"], asAdmin);
    expect(JSON.parse(after.stdout).spec.routes[1].backends[0].weight).toBe(90);
    expect((await runMesh(["history", "-o", "json"], asAdmin)).stdout).toBe(before.stdout);
  });

  it("names a file it cannot read", async () => {
    const result = await runMesh(["apply", "-f", "no/such/file.yaml"], asAdmin);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("mesh apply: cannot read no/such/file.yaml: no such file");
  });

  it("deletes a resource, and says so when asked for it afterwards", async () => {
    const deleted = await runMesh(["delete", "trafficpolicy", "details"], asAdmin);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^TrafficPolicy\/details deleted \(revision \d+\)$/m);

    const missing = await runMesh(["get", "trafficpolicy", "details"], asAdmin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("TrafficPolicy/details not found");
  });
});

describe("mesh check", () => {
  it("prints the decision and the deciding rule; exit 0 when allowed", async () => {
    const result = await runMesh(["check", "--from", "reviews", "--to", "ratings", "--method", "GET", "--path", "/ratings/7"], asAdmin);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("ALLOWED  reviews → ratings GET /ratings/7");
    expect(result.stdout).toContain("rule:   AccessPolicy/ratings-from-reviews");
  });

  it("exits 1 when denied, naming why", async () => {
    const result = await runMesh(["check", "--from", "productpage", "--to", "ratings", "--method", "GET", "--path", "/ratings/7"], asAdmin);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("DENIED  productpage → ratings GET /ratings/7");
    expect(result.stdout).toContain("AccessPolicy/ratings-from-reviews");
    expect(result.stdout).toMatch(/reason: no allow policy for ratings matches productpage GET \/ratings\/7/);

    const json = await runMesh(["check", "--from", "loadgen", "--to", "details", "-o", "json"], asAdmin);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false, policy: "details-from-productpage" });
  });
});

describe("mesh history / rollback", () => {
  it("lists revisions with actor and changes, shows one revision's diff, and rolls back", async () => {
    const updated = await runMesh(["apply", "-f", "-"], asAdmin, canaryPolicy(50, 50));
    expect(updated.stdout).toContain("TrafficPolicy/reviews updated");
    const updateRevision = Number(/^revision (\d+)$/m.exec(updated.stdout)![1]);

    const history = await runMesh(["history"], asAdmin);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^REVISION\s+AGE\s+ACTOR\s+OPERATION\s+CHANGES/);
    expect(history.stdout).toMatch(new RegExp(`^${updateRevision}\\s+\\d+s ago\\s+admin \\(admin\\)\\s+apply\\s+TrafficPolicy/reviews$`, "m"));

    const shown = await runMesh(["history", String(updateRevision)], asAdmin);
    expect(shown.stdout).toMatch(/^ {4}- +weight: 90$/m);
    expect(shown.stdout).toMatch(/^ {4}\+ +weight: 50$/m);

    const rollback = await runMesh(["rollback", String(updateRevision - 1)], asAdmin);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain("TrafficPolicy/reviews updated");
    expect(rollback.stdout).toMatch(new RegExp(`rolled back to revision ${updateRevision - 1} as revision ${updateRevision + 1}`));
    const restored = await runMesh(["get", "tp", "reviews", "-o", "json"], asAdmin);
    expect(JSON.parse(restored.stdout).spec.routes[1].backends[0].weight).toBe(90);
  });

  it("refuses a revision that is not a number", async () => {
    const result = await runMesh(["rollback", "latest"], asAdmin);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('REVISION must be a revision number like 3 (got "latest")');
  });
});

describe("tokens and the errors people meet", () => {
  it("creates a viewer token that can read but is told which role a change needs", async () => {
    const created = await runMesh(["token", "create", "--role", "viewer", "--name", "ci-reader"], asAdmin);
    expect(created.code).toBe(0);
    const viewerToken = created.stdout.trim();
    expect(viewerToken).toMatch(/^mesh_op_/);
    const asViewer = { MESH_API_URL: mesh.controlPlane.url, MESH_TOKEN: viewerToken };

    expect((await runMesh(["get", "ap"], asViewer)).code).toBe(0);
    const refused = await runMesh(["apply", "-f", "-"], asViewer, canaryPolicy(70, 30));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/permission denied: .*editor/);
  });

  it("creates a join token", async () => {
    const created = await runMesh(["join-token", "create", "--service", "reviews", "--description", "ci agents"], asAdmin);
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^mesh_join_/);
  });

  it("says MESH_TOKEN is missing, or invalid", async () => {
    const missing = await runMesh(["get", "tp"], { MESH_API_URL: mesh.controlPlane.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^mesh get: MESH_TOKEN is missing/);
    const invalid = await runMesh(["get", "tp"], { MESH_API_URL: mesh.controlPlane.url, MESH_TOKEN: "mesh_op_nope" });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^mesh get: MESH_TOKEN is invalid or revoked/);
  });

  it("names the URL it could not reach", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runMesh(["status"], { MESH_API_URL: url, MESH_TOKEN: "x" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`mesh status: cannot reach the control plane at ${url} (ECONNREFUSED); is it running? Set MESH_API_URL to its address`);
  });

  it("explains usage mistakes with exit code 2", async () => {
    const noKind = await runMesh(["get"], asAdmin);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toBe("mesh get: missing KIND\nusage: mesh get KIND [NAME] [-o yaml|json]\n");
    const badKind = await runMesh(["get", "pods"], asAdmin);
    expect(badKind.stderr).toContain('unknown kind "pods"; use one of MeshConfig, TrafficPolicy, AccessPolicy');
    const unknown = await runMesh(["frobnicate"], asAdmin);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const help = await runMesh(["help"], {});
    expect(help.stdout).toContain("apply -f FILE|- [--dry-run]");
  });
});
