import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/root.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { registerAgent, type RegisteredAgent } from "../agents/agent-client.ts";
import { bearer, callRaw, routerProcedures } from "./raw-trpc.ts";

let mesh: TestControlPlane;
let agent: RegisteredAgent;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  agent = await registerAgent(mesh.controlPlane.url, mesh.controlPlane.joinToken, { service: "fuzz" });
});
afterAll(() => mesh?.close());

interface SchemaNode {
  shape?: Record<string, unknown>;
  _zod?: { def?: { innerType?: SchemaNode; in?: SchemaNode; left?: SchemaNode; right?: SchemaNode } };
}

/** The top-level keys a procedure's zod input accepts (through default, pipe and intersection), to aim random values at real fields. */
function inputKeys(path: string): string[] {
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { inputs: SchemaNode[] } }>)[path]!;
  const keys = new Set<string>();
  const pending = [...procedure._def.inputs];
  for (let schema = pending.pop(); schema; schema = pending.pop()) {
    for (const key of Object.keys(schema.shape ?? {})) keys.add(key);
    const def = schema._zod?.def;
    pending.push(...[def?.innerType, def?.in, def?.left, def?.right].filter((s): s is SchemaNode => s !== undefined));
  }
  return [...keys];
}

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom("", "\u0000", "\ud800", "x".repeat(10_000), -1, 0, 2 ** 53, 1e308, -1e308, "00000000-0000-0000-0000-000000000000", "../../etc/passwd", "' OR 1=1 --", "${jndi:x}", "<script>", "__proto__"),
);

describe("every procedure under random input", () => {
  it("answers with a client error or a result, never a 500, for random and field-aimed inputs", async () => {
    const tokens = { agent: agent.registration.credential, join: mesh.controlPlane.joinToken, operator: mesh.controlPlane.adminToken };
    let calls = 0;
    for (const { path, type } of routerProcedures().filter((p) => p.type !== "subscription")) {
      const token = path === "agent.register" ? tokens.join : path.startsWith("agent.") || path.startsWith("telemetry.") ? tokens.agent : tokens.operator;
      // Leave the agent's own registration in place: deregistering would make every later agent call a 401.
      if (path === "agent.deregister") continue;
      const keys = inputKeys(path);
      const aimed = keys.length ? fc.dictionary(fc.constantFrom(...keys, "__proto__", "constructor"), hostileValue, { maxKeys: keys.length + 1 }) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(fc.oneof(hostileValue, aimed), async (input) => {
          calls++;
          const answer = await callRaw(mesh.controlPlane.url, path, type, input, bearer(token));
          expect(answer.status, `${path} ${JSON.stringify(input)?.slice(0, 300)} -> ${answer.body.slice(0, 300)}`).toBeLessThan(500);
        }),
        { numRuns: 25 },
      );
    }
    expect(calls).toBeGreaterThan(500);
    await expect(mesh.admin.auth.whoami.query()).resolves.toMatchObject({ role: "admin" });
  });
});
