import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";

const exec = promisify(execFile);

export interface TestHost {
  /** Network namespace name; run processes in it with `ip netns exec <ns> …`. */
  ns: string;
  address: string;
  /** Takes this host off the network (its veth goes down) or brings it back. */
  setLink(up: boolean): Promise<void>;
}

export interface TestNetwork {
  hosts: TestHost[];
  /** Kills any process still running in the hosts and removes every namespace. */
  destroy(): Promise<void>;
}

/**
 * Hosts as network namespaces joined by a bridge that lives in its own namespace, so the root
 * namespace's interfaces and routes are never touched. Addresses come from a /24 of the test's own
 * making and exist only inside these namespaces.
 */
export async function createTestNetwork(hostCount: number, subnet = "10.213.7"): Promise<TestNetwork> {
  const id = randomBytes(2).toString("hex");
  const switchNs = `mesh-sw-${id}`;
  const created: string[] = [];
  const ip = (...args: string[]) => exec("ip", args);
  try {
    await ip("netns", "add", switchNs);
    created.push(switchNs);
    await ip("-n", switchNs, "link", "add", "br0", "type", "bridge");
    await ip("-n", switchNs, "link", "set", "br0", "up");
    const hosts: TestHost[] = [];
    for (let i = 0; i < hostCount; i++) {
      const ns = `mesh-h${i}-${id}`;
      const address = `${subnet}.${i + 10}`;
      await ip("netns", "add", ns);
      created.push(ns);
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", `p${i}`, "netns", switchNs);
      await ip("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
      await ip("-n", ns, "link", "set", "eth0", "up");
      await ip("-n", switchNs, "link", "set", `p${i}`, "master", "br0");
      await ip("-n", switchNs, "link", "set", `p${i}`, "up");
      hosts.push({ ns, address, setLink: async (up) => void (await ip("-n", switchNs, "link", "set", `p${i}`, up ? "up" : "down")) });
    }
    return { hosts, destroy: () => removeNamespaces(created) };
  } catch (error) {
    await removeNamespaces(created);
    throw error;
  }
}

/** Ends whatever still runs in the namespaces (a namespace lives on while a process is in it), then removes them. */
async function removeNamespaces(names: string[]): Promise<void> {
  for (const ns of names.reverse()) {
    const { stdout } = await exec("ip", ["netns", "pids", ns]).catch(() => ({ stdout: "" }));
    for (const pid of stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    await exec("ip", ["netns", "del", ns]).catch(() => undefined);
  }
}

/** Why namespaces can't be made here (not root, no `ip`, a sandbox that refuses), or null when they can. */
export async function netnsUnavailableReason(): Promise<string | null> {
  const probe = `mesh-probe-${randomBytes(2).toString("hex")}`;
  try {
    await exec("ip", ["netns", "add", probe]);
    await exec("ip", ["netns", "del", probe]);
    return null;
  } catch (error) {
    return `network namespaces cannot be created here (${String((error as Error).message).split("\n")[0]})`;
  }
}
