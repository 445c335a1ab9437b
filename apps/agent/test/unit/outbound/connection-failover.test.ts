import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@mesh/testkit";
import { httpCall } from "../../support/mesh-fixture.ts";
import { startSmallMesh, type SmallMesh } from "../../support/small-mesh.ts";

/** Two endpoints of "server": one a real agent, the other a port nothing listens on (an agent that died). */
describe("an endpoint whose port refuses connections", () => {
  let mesh: SmallMesh;
  let deadAuthority: string;
  beforeAll(async () => {
    mesh = await startSmallMesh([{ version: "v1" }]);
    const deadPort = await freePort();
    deadAuthority = `127.0.0.1:${deadPort}`;
    // Listed first, so round-robin's first pick is the dead one.
    mesh.endpoints.unshift({ instanceId: "00000000-0000-4000-8000-00000000dead", version: "v1", address: "127.0.0.1", port: deadPort });
    mesh.setPolicy({ loadBalancer: "round-robin" });
  });
  afterAll(() => mesh.close());

  const outboundRecords = () => mesh.records.filter((record) => record.direction === "outbound");

  // A body being streamed (chunked, or beyond the replayable size) is spent by the failed attempt, so these carry none.
  it("costs no request, whatever the method, with no retry policy: what never reached it goes to the other endpoint, once", async () => {
    const methods = ["POST", "DELETE", "PATCH", "GET"];
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push(await httpCall(mesh.outboundPort, `/failover/${i}`, { method: methods[i % 4], headers: { host: "server", "content-length": "0" } }));
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    // Each request ran exactly once on the live instance.
    const seen = mesh.apps[0]!.seen.filter((request) => request.url.startsWith("/failover/")).map((request) => `${request.method} ${request.url}`);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `${methods[i % 4]} /failover/${i}`));
  });

  it("is not chosen again after the first refused connection: later requests take one attempt", async () => {
    const records = outboundRecords();
    expect(records[0]).toMatchObject({ status: 200, attempts: 2 });
    expect(records.slice(1).map((record) => `${record.attempts} ${record.peer}`)).toEqual(Array(records.length - 1).fill(`1 ${records[0]!.peer}`));
    expect(records.every((record) => record.peer !== deadAuthority)).toBe(true);
  });
});
