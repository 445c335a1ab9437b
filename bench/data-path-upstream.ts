// Process entry: the benchmark's app, a minimal Node HTTP server answering a tiny JSON body on argv[2]'s port.
import { createServer } from "node:http";

const body = Buffer.from(JSON.stringify({ id: 1, stars: 5, reviewer: "bench" }));
const server = createServer({ keepAliveTimeout: 65_000 }, (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => process.stdout.write("READY\n"));
process.on("SIGTERM", () => process.exit(0));
