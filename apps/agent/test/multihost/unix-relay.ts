import { connect, createServer } from "node:net";
import path from "node:path";

/**
 * Lets the test runner, which lives in another network namespace, reach addresses inside this one:
 * for each `<host>:<port>` it listens on the Unix socket `<dir>/<host>_<port>.sock` (the filesystem is
 * shared across namespaces) and pipes every connection to that address, made from this host.
 * usage: unix-relay.ts <dir> <host:port>...
 */
const [dir, ...targets] = process.argv.slice(2);
if (!dir || targets.length === 0) throw new Error("usage: unix-relay.ts <dir> <host:port>...");

await Promise.all(
  targets.map((target) => {
    const [host, port] = target.split(":");
    const server = createServer((client) => {
      const upstream = connect(Number(port), host);
      client.pipe(upstream).pipe(client);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    return new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path.join(dir, `${host}_${port}.sock`), resolve);
    });
  }),
);
console.log("relay ready");
