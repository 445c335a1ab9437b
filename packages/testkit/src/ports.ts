import { createServer } from "node:net";

/**
 * A TCP port that was free a moment ago on every address. The probe binds the dual-stack wildcard, so
 * a port some server holds on any one address (Next listens on [::], agents on 0.0.0.0) is never offered.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
