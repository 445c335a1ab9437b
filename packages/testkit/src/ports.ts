import { createServer } from "node:net";

// Below Linux's ephemeral range (32768+), where listen(0) and every outgoing connection draw their
// ports: a port chosen there can be taken by anyone before the process that asked for it binds it.
const LOW = 20_000;
const HIGH = 32_000;

/** Whether a port can be bound on every address (the dual-stack wildcard conflicts with any holder). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago on every address, chosen at random outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await isFree(port)) return port;
  }
}

export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
