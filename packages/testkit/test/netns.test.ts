import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { createTestNetwork, failIfUnavailable, netnsUnavailableReason, skipOutsideCi, type TestNetwork } from "../src/index.ts";

const exec = promisify(execFile);
const unavailable = await netnsUnavailableReason();
const SUITE = "the test-network tests (network namespaces)";

/** GET `url` from inside namespace `ns`; on failure the process exits 1 printing the error's name and cause code. */
const fetchFrom = (ns: string, url: string) =>
  exec("ip", ["netns", "exec", ns, process.execPath, "-e", `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(1500) }).then(r => r.text()).then(t => process.stdout.write(t), e => { process.stderr.write("fetch-error " + e.name + " " + (e.cause?.code ?? "")); process.exit(1); })`]);

describe.skipIf(skipOutsideCi(unavailable, SUITE))("test network of namespaces", () => {
  let network: TestNetwork;
  let server: ChildProcess;

  beforeAll(async () => {
    failIfUnavailable(unavailable, SUITE);
    network = await createTestNetwork(2);
    const [a] = network.hosts;
    server = spawn("ip", ["netns", "exec", a!.ns, process.execPath, "-e", `require("http").createServer((q, s) => s.end("hello from ${a!.address}")).listen(8080, "${a!.address}", () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => server.stdout!.once("data", resolve));
  });

  afterAll(async () => {
    server?.kill();
    await network?.destroy();
  });

  it("lets one host reach another by its own address, and not once its link is cut", async () => {
    const [a, b] = network.hosts;
    const { stdout } = await fetchFrom(b!.ns, `http://${a!.address}:8080/`);
    expect(stdout).toBe(`hello from ${a!.address}`);
    await a!.setLink(false);
    // Unreachable, not some other failure: the fetch times out or finds no route to the cut host.
    await expect(fetchFrom(b!.ns, `http://${a!.address}:8080/`)).rejects.toMatchObject({ stderr: expect.stringMatching(/^fetch-error (TimeoutError|TypeError (EHOSTUNREACH|ENETUNREACH))/) });
    await a!.setLink(true);
  });

  it("keeps the root namespace untouched", async () => {
    const { stdout } = await exec("ip", ["-o", "addr"]);
    expect(stdout).not.toContain(network.hosts[0]!.address);
  });
});
