import { waitFor } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";
import { trafficPolicyYaml } from "../support/fixtures.ts";

let mesh: TestControlPlane;
let viewerToken: string;
let editorToken: string;
beforeAll(async () => {
  mesh = await startTestControlPlane();
  viewerToken = (await mesh.admin.tokens.create.mutate({ role: "viewer", name: "vera" })).token;
  editorToken = (await mesh.admin.tokens.create.mutate({ role: "editor", name: "eddie" })).token;
});
afterAll(() => mesh?.close());

const apply = (token: string | null, headers?: Record<string, string>) =>
  mesh.client(token, headers).resources.applyDocuments.mutate({ yaml: trafficPolicyYaml("reviews", 100) });

describe("authentication and roles", () => {
  it("answers 401 without a token, or with an unknown one", async () => {
    await expect(mesh.client(null).resources.get.query({ kind: "TrafficPolicy" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED", httpStatus: 401 } });
    await expect(apply("mesh_op_not-a-real-token")).rejects.toMatchObject({ data: { httpStatus: 401 } });
    const raw = await fetch(`${mesh.controlPlane.url}/trpc/revisions.list`);
    expect(raw.status).toBe(401);
  });

  it("lets a viewer read but answers 403 to a change", async () => {
    await expect(mesh.client(viewerToken).resources.get.query({ kind: "TrafficPolicy" })).resolves.toEqual([]);
    await expect(apply(viewerToken)).rejects.toMatchObject({ data: { code: "FORBIDDEN", httpStatus: 403 }, message: "needs role editor or higher; vera is viewer" });
    await expect(mesh.client(viewerToken).tokens.list.query()).rejects.toMatchObject({ data: { httpStatus: 403 } });
  });

  it("lets an editor apply, recorded under the token's name and role", async () => {
    const result = await apply(editorToken);
    expect(result.revision).toBe(1);
    expect((await mesh.admin.revisions.get.query({ id: 1 })).actor).toBe("eddie (editor)");
    await expect(mesh.client(editorToken).tokens.create.mutate({ role: "admin", name: "escalate" })).rejects.toMatchObject({ data: { httpStatus: 403 } });
  });

  it("accepts the session cookie only with the x-mesh-client header (CSRF defence), and only holding a session", async () => {
    const session = await mesh.client(viewerToken).auth.createSession.mutate();
    expect(session.secret).toMatch(/^mesh_session_/);
    const cookie = { cookie: `mesh_session=${encodeURIComponent(session.secret)}` };
    await expect(mesh.client(null, cookie).auth.whoami.query()).resolves.toBeNull();
    await expect(mesh.client(null, cookie).resources.get.query({ kind: "TrafficPolicy" })).rejects.toMatchObject({ data: { httpStatus: 401 } });
    await expect(mesh.client(null, { ...cookie, "x-mesh-client": "web" }).auth.whoami.query()).resolves.toEqual({ kind: "operator", role: "viewer", name: "vera" });
    // The token itself in the cookie is no credential: the cookie carries only a session.
    const tokenCookie = { cookie: `mesh_session=${encodeURIComponent(viewerToken)}`, "x-mesh-client": "web" };
    await expect(mesh.client(null, tokenCookie).auth.whoami.query()).resolves.toBeNull();
  });

  it("does not let a join token act as an operator", async () => {
    await expect(mesh.client(mesh.controlPlane.joinToken).auth.whoami.query()).resolves.toEqual({ kind: "join", service: null });
    await expect(mesh.client(mesh.controlPlane.joinToken).resources.get.query({ kind: "TrafficPolicy" })).rejects.toMatchObject({ data: { httpStatus: 403 } });
  });
});

describe("tokens", () => {
  it("lists tokens without secrets and revokes them at once", async () => {
    const created = await mesh.admin.tokens.create.mutate({ role: "viewer", name: "temporary" });
    expect(created.token).toMatch(/^mesh_op_[A-Za-z0-9_-]{32}$/);
    const list = await mesh.admin.tokens.list.query();
    expect(list.map((t) => [t.name, t.role])).toEqual([["temporary", "viewer"], ["eddie", "editor"], ["vera", "viewer"]]);
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(list.find((t) => t.name === "vera")!.lastUsedAt).not.toBeNull();

    await expect(mesh.client(created.token).auth.whoami.query()).resolves.toMatchObject({ name: "temporary" });
    await mesh.admin.tokens.revoke.mutate({ id: created.id });
    await expect(mesh.client(created.token).auth.whoami.query()).resolves.toBeNull();
    await expect(mesh.admin.tokens.revoke.mutate({ id: created.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });

  it("creates join tokens that expire and can be revoked", async () => {
    const lasting = await mesh.admin.tokens.createJoinToken.mutate({ service: "reviews", description: "ci agents", ttl: "1h" });
    expect(lasting.token).toMatch(/^mesh_join_/);
    expect(Date.parse(lasting.expiresAt!) - Date.now()).toBeGreaterThan(59 * 60_000);
    await expect(mesh.client(lasting.token).auth.whoami.query()).resolves.toEqual({ kind: "join", service: "reviews" });
    await mesh.admin.tokens.revoke.mutate({ id: lasting.id });
    await expect(mesh.client(lasting.token).auth.whoami.query()).resolves.toBeNull();
    const listed = await mesh.admin.tokens.listJoinTokens.query();
    expect(listed).toMatchObject([{ id: lasting.id, description: "ci agents", service: "reviews", createdBy: "admin (admin)", revokedAt: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain(lasting.token);

    const fleeting = await mesh.admin.tokens.createJoinToken.mutate({ service: "reviews", ttl: "1ms" });
    await waitFor(async () => (await mesh.client(fleeting.token).auth.whoami.query()) === null, { what: "the join token to expire" });

    await expect(mesh.admin.tokens.createJoinToken.mutate({ service: "reviews", ttl: "forever" })).rejects.toMatchObject({ message: 'ttl: must be a duration like "1h" or "24h"' });
  });
});
