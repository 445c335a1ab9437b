import { createServer } from "node:http";

/**
 * A service's app on one test host: answers JSON naming the host it runs on and the caller identity
 * its agent vouched for (x-forwarded-client-cert). Listens on loopback only: the agent is its door.
 * usage: echo-app.ts <host-address> <port>
 */
const [hostAddress, port] = process.argv.slice(2);
if (!hostAddress || !port) throw new Error("usage: echo-app.ts <host-address> <port>");

createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ host: hostAddress, path: req.url, clientCert: req.headers["x-forwarded-client-cert"] ?? null }));
}).listen(Number(port), "127.0.0.1", () => console.log(`echo app on ${hostAddress} listening on 127.0.0.1:${port}`));
