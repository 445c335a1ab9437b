import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { otlpRequest, postOtlp, randomSpanId, randomTraceId } from "../telemetry/otlp-helpers.ts";

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

const spanCount = async () => Number((await db.query<{ count: string }>(`SELECT count(*)::text AS count FROM "Span"`)).rows[0]!.count);
const post = (body: string) => postOtlp(mesh.controlPlane.url, body, { authorization: `Bearer ${mesh.controlPlane.adminToken}` });
const validSpan = () => ({ traceId: randomTraceId(), spanId: randomSpanId(), name: "GET /", startMs: Date.now(), durationMs: 3 });

/** How many spans an accepted OTLP/JSON body holds. */
function spansIn(request: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }): number {
  return (request.resourceSpans ?? []).flatMap((resource) => resource.scopeSpans ?? []).reduce((sum, scope) => sum + (scope.spans ?? []).length, 0);
}

/** A valid request with one part replaced by a generated value, so the fuzz reaches deep into the schema. */
const mutatedRequest = fc
  .record({
    path: fc.constantFrom(["resourceSpans"], ["resourceSpans", 0, "scopeSpans"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "traceId"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "spanId"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "startTimeUnixNano"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "endTimeUnixNano"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "kind"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "status"], ["resourceSpans", 0, "scopeSpans", 0, "spans", 0, "attributes"], ["resourceSpans", 0, "resource", "attributes", 0, "value"]),
    value: fc.oneof(fc.jsonValue(), fc.constantFrom("", "0".repeat(32), "zz", -1, 1e30, "99999999999999999999999", null)),
  })
  .map(({ path, value }) => {
    const request = otlpRequest("fuzzed", [validSpan()]) as Record<string | number, unknown>;
    let at: Record<string | number, unknown> = request;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    at[path.at(-1)!] = value;
    return JSON.stringify(request);
  });

describe("POST /v1/traces under fuzzed bodies", () => {
  it("answers 400 to malformed bodies and stores nothing; a body that happens to be valid is stored whole", async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 6 }), mutatedRequest), async (body) => {
        const before = await spanCount();
        const response = await post(body);
        const text = await response.text();
        statuses.add(response.status);
        expect([200, 400], `${response.status} ${text} for ${body.slice(0, 200)}`).toContain(response.status);
        if (response.status === 400) {
          expect(JSON.parse(text)).toMatchObject({ code: 3, message: expect.any(String) });
          expect(await spanCount()).toBe(before);
        } else {
          // Stored whole: every span in the body is a row now, except those OTLP's partialSuccess says
          // were refused as older than the retention (a fuzzed start time can be).
          const answer = JSON.parse(text) as { partialSuccess?: { rejectedSpans: number } };
          const sent = spansIn(JSON.parse(body));
          const refused = answer.partialSuccess?.rejectedSpans ?? 0;
          expect(refused, text).toBeLessThanOrEqual(sent);
          expect(await spanCount(), `${text} for ${body.slice(0, 200)}`).toBe(before + sent - refused);
        }
      }),
      { numRuns: 200 },
    );
    expect(statuses).toContain(400);
    // The fuzz reached the "valid" branch too (the unmutated paths and harmless values make many bodies valid).
    expect(statuses).toContain(200);
  });

  it("refuses 100k-deep nesting in an attribute value with 400, nothing stored", async () => {
    const before = await spanCount();
    const request = JSON.stringify(otlpRequest("deep", [validSpan()]));
    const deepValue = `${'{"arrayValue":{"values":['.repeat(100_000)}{}${"]}}".repeat(100_000)}`;
    const body = request.replace('"attributes":[]', `"attributes":[{"key":"deep","value":${deepValue}}]`);
    expect(body.length).toBeGreaterThan(2_000_000);
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: "body nests deeper than 64 levels, nothing stored" });
    expect(await spanCount()).toBe(before);
  });

  it("stores spans whose text PostgreSQL could not hold as sent (NUL, unpaired surrogates), cleaned rather than failing", async () => {
    const before = await spanCount();
    const request = otlpRequest("odd-text", [validSpan()]);
    const span = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]! as { attributes: unknown[]; name: string };
    span.name = "GET /\u0000x";
    span.attributes = [{ key: "k\u0000", value: { stringValue: "a\ud800b" } }, { key: "\udc00", value: { stringValue: "\u0000" } }];
    const response = await post(JSON.stringify(request));
    expect([response.status, await response.text()]).toEqual([200, "{}"]);
    expect(await spanCount()).toBe(before + 1);
  });

  it("refuses an oversized body with 413", async () => {
    const response = await post(`{"resourceSpans":[],"pad":"${"x".repeat(5 * 1024 * 1024)}"}`);
    expect(response.status).toBe(413);
  });
});
