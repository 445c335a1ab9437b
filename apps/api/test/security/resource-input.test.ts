import { request } from "node:http";
import fc from "fast-check";
import pg from "pg";
import { TRPCClientError } from "@trpc/client";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../src/root.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { revisionCount } from "./database-fingerprint.ts";

let mesh: TestControlPlane;
let db: pg.Client;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  db = new pg.Client({ connectionString: mesh.database.url });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await mesh?.close();
});

type ApplyInput = Parameters<TestControlPlane["admin"]["resources"]["applyDocuments"]["mutate"]>[0];

/**
 * The contract for any input: a valid apply (one new revision, or none when nothing changed), or BAD_REQUEST
 * that names what is wrong and leaves the revision count as it was. Never a 500.
 */
async function applyOrReject(input: ApplyInput): Promise<"applied" | "rejected"> {
  const before = await revisionCount(db);
  try {
    const result = await mesh.admin.resources.applyDocuments.mutate(input);
    expect(await revisionCount(db)).toBe(before + (result.revision === null ? 0 : 1));
    return "applied";
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const { data } = error as TRPCClientError<AppRouter>;
    expect(data?.code, error.message).toBe("BAD_REQUEST");
    expect(error.message.length).toBeGreaterThan(0);
    if (data?.issues) expect(data.issues.length).toBeGreaterThan(0);
    expect(await revisionCount(db)).toBe(before);
    return "rejected";
  }
}

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const anyText = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 10 }), name);
const duration = fc.oneof(fc.constantFrom("2s", "500ms", "1m", "0s", "-1s", "2 s", "forever"), anyText);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const backend = fc.record({ version: fc.oneof(fc.constantFrom("v1", "v2"), anyText), weight: fc.oneof(fc.integer({ min: -10, max: 110 }), fc.double()) }, { requiredKeys: [] });
const trafficPolicySpec = fc.record(
  {
    routes: fc.array(fc.record({ match: maybe(fc.record({ pathPrefix: anyText, methods: fc.array(fc.constantFrom("GET", "POST", "get", "")) }, { requiredKeys: [] })), backends: fc.array(backend, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 3 }),
    timeout: duration,
    retries: fc.record({ attempts: fc.integer({ min: -1, max: 20 }), perTryTimeout: duration, retryOn: fc.array(fc.constantFrom("5xx", "reset", "connect-failure", "teapot")) }, { requiredKeys: [] }),
    loadBalancer: fc.constantFrom("round-robin", "least-request", "random", "ewma", "fastest"),
    rateLimit: fc.record({ requestsPerSecond: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double()), burst: fc.integer({ min: -5, max: 1000 }) }, { requiredKeys: [] }),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const accessPolicySpec = fc.record(
  { target: fc.oneof(name, anyText), action: fc.constantFrom("allow", "deny", "audit", "maybe"), from: fc.array(fc.oneof(fc.constant("*"), name, anyText), { maxLength: 3 }), to: fc.array(fc.record({ methods: fc.array(fc.constantFrom("GET", "PUT")), paths: fc.array(anyText) }, { requiredKeys: [] }), { maxLength: 2 }) },
  { requiredKeys: [] },
);
const meshConfigSpec = fc.record({ mtls: fc.constantFrom("strict", "permissive", "off"), defaultAccess: fc.constantFrom("allow", "deny", "sometimes") }, { requiredKeys: [] });
const document = fc.oneof(
  fc.record({ apiVersion: fc.constantFrom("mesh/v1", "mesh/v2", ""), kind: fc.constant("TrafficPolicy"), metadata: fc.record({ name: fc.oneof(name, anyText), labels: maybe(fc.dictionary(anyText, anyText, { maxKeys: 3 })) }, { requiredKeys: [] }), spec: trafficPolicySpec }, { requiredKeys: [] }),
  fc.record({ apiVersion: fc.constant("mesh/v1"), kind: fc.constant("AccessPolicy"), metadata: fc.record({ name: fc.oneof(name, anyText) }), spec: accessPolicySpec }, { requiredKeys: [] }),
  fc.record({ apiVersion: fc.constant("mesh/v1"), kind: fc.constantFrom("MeshConfig", "Pod", "meshconfig"), metadata: fc.record({ name: fc.constantFrom("default", "other") }), spec: meshConfigSpec }),
  fc.anything(),
);
/** Documents built to be valid, so that the property also exercises the apply path, not only refusals. */
const validDocument = fc.oneof(
  fc.record({ apiVersion: fc.constant("mesh/v1"), kind: fc.constant("TrafficPolicy"), metadata: fc.record({ name }), spec: fc.record({ loadBalancer: fc.constantFrom("round-robin", "least-request", "random", "ewma"), timeout: fc.constantFrom("2s", "500ms", "1m") }, { requiredKeys: [] }) }),
  fc.record({ apiVersion: fc.constant("mesh/v1"), kind: fc.constant("AccessPolicy"), metadata: fc.record({ name }), spec: fc.record({ target: name, action: fc.constantFrom("allow", "deny", "audit"), from: fc.array(fc.oneof(fc.constant("*"), name), { minLength: 1, maxLength: 3 }) }) }),
);
const yamlish = fc
  .array(fc.constantFrom("apiVersion: mesh/v1\n", "kind: TrafficPolicy\n", "metadata: {name: x}\n", "spec:\n", "  routes:\n", "  - ", "---\n", "&a ", "*a", "!!binary ", "!!set ", "<<: *a\n", "{", "}", "[", "]", ":", " ", "\n", "\t", "'", '"', "\\0", "\\ud800", "%YAML 1.1\n", "? ", "| \n", "> \n", "#", "0x1f", ".inf", "~", "null"), { maxLength: 40 })
  .map((parts) => parts.join(""));

describe("resources.applyDocuments under fuzzed input", () => {
  it("random strings as YAML: a valid apply or BAD_REQUEST with the revision count unchanged, never a 500", async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 100 }), yamlish), async (yaml) => void (await applyOrReject({ yaml }))), { numRuns: 150 });
  });

  it("random structurally plausible documents, as JSON and as YAML: applied or refused naming the problem", async () => {
    const outcomes = { applied: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ arbitrary: validDocument, weight: 2 }, { arbitrary: document, weight: 3 }), { minLength: 1, maxLength: 3 }), fc.boolean(), async (documents, asYaml) => {
        let input: ApplyInput = { documents };
        if (asYaml) {
          try {
            input = { yaml: documents.map((d) => stringify(d)).join("---\n") };
          } catch {
            // Some generated values (e.g. symbols) have no YAML form; they are still sent as JSON documents.
          }
        }
        outcomes[await applyOrReject(input)]++;
      }),
      { numRuns: 150 },
    );
    // The generators are meant to reach both outcomes; otherwise the property says little.
    expect(outcomes.applied).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it("text PostgreSQL cannot hold (NUL, unpaired surrogates), from YAML escapes or JSON, is refused naming the field", async () => {
    const before = await revisionCount(db);
    const yaml = (value: string) => `apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: { name: nul, labels: { team: "${value}" } }\nspec: {}\n`;
    for (const escape of ["a\\0b", "a\\ud800b", "\\udc00"]) {
      const error = await mesh.admin.resources.applyDocuments.mutate({ yaml: yaml(escape) }).then(() => null, (e: TRPCClientError<AppRouter>) => e);
      expect(error?.data).toMatchObject({ code: "BAD_REQUEST", issues: [{ document: 1, resource: "TrafficPolicy/nul", field: "metadata.labels.team" }] });
    }
    const json = { apiVersion: "mesh/v1", kind: "TrafficPolicy", metadata: { name: "nul", labels: { ["k\u0000"]: "v" } }, spec: {} };
    await expect(mesh.admin.resources.applyDocuments.mutate({ documents: [json] })).rejects.toMatchObject({ data: { httpStatus: 400 }, message: expect.stringContaining("documents[0].metadata.labels.k") });
    await expect(mesh.admin.resources.applyDocuments.mutate({ yaml: yaml("ok"), message: "deploy \u0000" })).rejects.toMatchObject({ data: { httpStatus: 400 }, message: expect.stringMatching(/^message: contains a NUL/) });
    await expect(mesh.admin.tokens.create.mutate({ role: "viewer", name: "bad\ud800" })).rejects.toMatchObject({ data: { httpStatus: 400 }, message: expect.stringMatching(/^name: contains an unpaired UTF-16 surrogate/) });
    expect(await revisionCount(db)).toBe(before);
  });
});

describe("oversized and hostile documents", () => {
  const post = (body: string) =>
    fetch(`${mesh.controlPlane.url}/trpc/resources.applyDocuments`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${mesh.controlPlane.adminToken}` }, body });

  it("refuses a 10 MB body with 413 quickly", async () => {
    const before = await revisionCount(db);
    const started = performance.now();
    const response = await post(JSON.stringify({ yaml: `# ${"x".repeat(10 * 1024 * 1024)}` }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { message: "request body is larger than 4194304 bytes", data: { code: "PAYLOAD_TOO_LARGE" } } });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await revisionCount(db)).toBe(before);
  });

  it("answers 413 while an endless body is still streaming in: the server does not buffer it", async () => {
    const sentBeforeAnswer = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      const url = new URL(`${mesh.controlPlane.url}/trpc/resources.applyDocuments`);
      const req = request(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${mesh.controlPlane.adminToken}` } });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        resolve({ status: res.statusCode!, sent });
        res.resume();
        req.destroy();
      });
      req.on("error", (error) => (answered ? undefined : reject(error)));
      req.write('{"yaml":"');
      const pump = () => {
        while (!answered && sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
      };
      pump();
    });
    expect(sentBeforeAnswer.status).toBe(413);
    expect(sentBeforeAnswer.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses YAML over 1 MB and more than 1000 documents naming the limit", async () => {
    await expect(mesh.admin.resources.applyDocuments.mutate({ yaml: `# ${"x".repeat(1_000_001)}` })).rejects.toMatchObject({ data: { httpStatus: 400, fieldErrors: [{ field: "yaml" }] } });
    await expect(mesh.admin.resources.applyDocuments.mutate({ yaml: "a: 1\n---\n".repeat(1001) })).rejects.toMatchObject({ data: { httpStatus: 400 }, message: expect.stringContaining("more than 1000 documents") });
  });

  it("refuses 100k-deep nesting in JSON and in YAML with a clear error, and keeps serving", async () => {
    const before = await revisionCount(db);
    const deep = `${'{"a":'.repeat(100_000)}{}${"}".repeat(100_000)}`;
    for (const body of [
      `{"documents":[${deep}]}`,
      `{"documents":[{"apiVersion":"mesh/v1","kind":"TrafficPolicy","metadata":{"name":"deep"},"spec":{"routes":[{"match":{"headers":${deep}}}]}}]}`,
      `{"documents":[{"apiVersion":"mesh/v1","kind":"TrafficPolicy","metadata":{"name":"deep","labels":${deep}},"spec":{}}]}`,
      JSON.stringify({ yaml: `apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: {name: deep}\nspec: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n` }),
      JSON.stringify({ yaml: `apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: {name: deep}\nspec: ${"{a: ".repeat(50_000)}1${"}".repeat(50_000)}\n` }),
    ]) {
      const started = performance.now();
      const response = await post(body);
      expect([body.slice(0, 60), response.status]).toEqual([body.slice(0, 60), 400]);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/invalid resources, nothing was applied/);
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    expect(await revisionCount(db)).toBe(before);
    await expect(mesh.admin.auth.whoami.query()).resolves.toMatchObject({ role: "admin" });
  });

  it("refuses a YAML alias bomb (billion laughs) quickly", async () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    const bomb = `apiVersion: mesh/v1\nkind: TrafficPolicy\nmetadata: {name: lol}\nspec:\n${levels.map((line) => `  ${line}`).join("\n")}\n`;
    const started = performance.now();
    const error = await mesh.admin.resources.applyDocuments.mutate({ yaml: bomb }).then(() => null, (e: TRPCClientError<AppRouter>) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error?.data).toMatchObject({ code: "BAD_REQUEST", issues: [{ document: 1, message: "invalid YAML: Excessive alias count indicates a resource exhaustion attack" }] });
  });
});
