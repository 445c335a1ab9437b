import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens.ts";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.ts";

// Issue 21, item 6: dashboard sessions live on the server; the cookie carries only a session secret, and logout ends it.
let mesh: TestControlPlane;
let viewerToken: string;

beforeAll(async () => {
  mesh = await startTestControlPlane();
  viewerToken = (await mesh.admin.tokens.create.mutate({ role: "viewer", name: "vera" })).token;
});
afterAll(() => mesh?.close());

const asCookie = (secret: string) => mesh.client(null, { cookie: `mesh_session=${encodeURIComponent(secret)}`, "x-mesh-client": "web" });

describe("operator sessions", () => {
  it("are made from an operator token, stored only as a hash, and act as that operator", async () => {
    const session = await mesh.client(viewerToken).auth.createSession.mutate();
    expect(session).toMatchObject({ secret: expect.stringMatching(/^mesh_session_/), name: "vera", role: "viewer" });
    expect(session.secret).not.toContain(viewerToken);
    expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(11 * 60 * 60 * 1000);
    const rows = await mesh.controlPlane.deps.prisma.operatorSession.findMany();
    expect(rows.map((row) => row.secretHash)).toContain(hashToken(session.secret));
    expect(JSON.stringify(rows)).not.toContain(session.secret);

    await expect(asCookie(session.secret).auth.whoami.query()).resolves.toEqual({ kind: "operator", role: "viewer", name: "vera" });
    await expect(asCookie(session.secret).resources.get.query({ kind: "TrafficPolicy" })).resolves.toEqual([]);
    await expect(asCookie(session.secret).resources.delete.mutate({ kind: "TrafficPolicy", name: "x" })).rejects.toMatchObject({ data: { httpStatus: 403 } });
  });

  it("end on the server at logout: a copied cookie stops working", async () => {
    const session = await mesh.client(viewerToken).auth.createSession.mutate();
    const copy = asCookie(session.secret);
    await expect(copy.auth.whoami.query()).resolves.toMatchObject({ name: "vera" });
    await expect(asCookie(session.secret).auth.logout.mutate()).resolves.toEqual({ ok: true });
    await expect(copy.auth.whoami.query()).resolves.toBeNull();
    await expect(copy.resources.get.query({ kind: "TrafficPolicy" })).rejects.toMatchObject({ data: { httpStatus: 401 } });
    // Presented as a bearer token it is just as dead.
    await expect(mesh.client(session.secret).auth.whoami.query()).resolves.toBeNull();
  });

  it("cannot make another session, so a stolen cookie does not outlive its expiry", async () => {
    const session = await mesh.client(viewerToken).auth.createSession.mutate();
    await expect(asCookie(session.secret).auth.createSession.mutate()).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
      message: "a session is made from an operator token, not from another session",
    });
  });

  it("stop working when they expire, and when the token they were made from is revoked", async () => {
    const expiring = await mesh.client(viewerToken).auth.createSession.mutate();
    await mesh.controlPlane.deps.prisma.operatorSession.update({ where: { secretHash: hashToken(expiring.secret) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(asCookie(expiring.secret).auth.whoami.query()).resolves.toBeNull();

    const temporary = await mesh.admin.tokens.create.mutate({ role: "editor", name: "temporary" });
    const session = await mesh.client(temporary.token).auth.createSession.mutate();
    await expect(asCookie(session.secret).auth.whoami.query()).resolves.toMatchObject({ name: "temporary" });
    await mesh.admin.tokens.revoke.mutate({ id: temporary.id });
    await expect(asCookie(session.secret).auth.whoami.query()).resolves.toBeNull();
  });

  it("refuses logout without a session, naming what it ends", async () => {
    await expect(mesh.client(viewerToken).auth.logout.mutate()).rejects.toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringContaining("logout ends a dashboard session") });
    await expect(mesh.client(null).auth.logout.mutate()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });
});
