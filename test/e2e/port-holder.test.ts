import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../packages/testkit/src/processes.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";
import { explainPortHolders, portHolders } from "../../scripts/lib/port-holder.ts";

// How `pnpm start` finds who holds a port it needs: /proc/net/tcp{,6} for the listening socket, /proc/*/fd for its owner.

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup) step();
  cleanup = [];
});

const listen = (server: Server, host?: string) => new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));

describe("portHolders", () => {
  it("finds this process on an IPv4 loopback port and on a dual-stack one, as a mesh process of the checkout", async () => {
    for (const host of ["127.0.0.1", undefined]) {
      const server = createServer();
      const port = await listen(server, host);
      cleanup.push(() => server.close());
      const holders = portHolders(port, REPO_ROOT);
      expect(holders.map((h) => h.pid)).toEqual([process.pid]);
      expect(holders[0]).toMatchObject({ meshProcess: true, runningStart: null });
      // Whether this test runner counts as stale depends on who started it; either way it is named, with the fix.
      expect(explainPortHolders(holders)).toMatch(new RegExp(`^held by a (stale )?mesh process (of this checkout )?\\(pid ${process.pid}: .*node.*\\).*; stop it with kill ${process.pid}`));
    }
  });

  it("calls a program from elsewhere another program, with its command line", async () => {
    const program = "require('net').createServer().listen(0,'127.0.0.1',function(){console.log(this.address().port)})";
    const child = spawn(process.execPath, ["-e", program], { cwd: "/", stdio: ["ignore", "pipe", "ignore"] });
    cleanup.push(() => child.kill("SIGKILL"));
    let printed = "";
    child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const port = await waitFor(() => Number(printed.trim()) || undefined, { timeoutMs: 30_000, what: "the other program to listen" });
    const holders = portHolders(port, REPO_ROOT);
    expect(holders.map((h) => h.pid)).toEqual([child.pid]);
    expect(explainPortHolders(holders)).toBe(`held by another program (pid ${child.pid}: ${process.execPath} -e ${program})`);
  });

  it("finds nobody on a free port", async () => {
    const server = createServer();
    const port = await listen(server, "127.0.0.1");
    await new Promise((resolve) => server.close(resolve));
    expect(portHolders(port, REPO_ROOT)).toEqual([]);
    expect(explainPortHolders([])).toBeNull();
  });
});
