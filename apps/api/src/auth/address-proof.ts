import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * Why an agent connecting from `source` may not register an endpoint at `advertised`, or null when it may.
 * An agent proves an address by connecting from it. A loopback connection proves only that the agent runs on the
 * control plane's own host, so it may claim loopback or any of this host's interface addresses.
 */
export function addressRefusal(advertised: string, source: string | null): string | null {
  if (isIP(advertised) === 0) return `address "${advertised}" must be an IP address (the one this agent connects to the control plane from)`;
  if (!source) return "the control plane cannot see this connection's source address, so it cannot check the address advertised";
  const claimed = canonical(advertised);
  const seen = canonical(source);
  if (claimed === seen) return null;
  if (isLoopback(seen) && (isLoopback(claimed) || hostAddresses().has(claimed))) return null;
  return (
    `address ${advertised} is not where this agent connects from (${source}): an instance may register only an address it connects from; ` +
    `start the agent with --advertise-address ${source}, or reach the control plane from ${advertised}`
  );
}

function canonical(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice("::ffff:".length) : lower;
}

function isLoopback(address: string): boolean {
  return address === "::1" || (isIP(address) === 4 && address.startsWith("127."));
}

function hostAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => canonical(entry.address))));
}
