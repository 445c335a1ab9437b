import { createServer, type IncomingMessage } from "node:http";

export interface Reply {
  status: number;
  body: unknown;
}

export type Handler = (request: IncomingMessage, url: URL) => Promise<Reply | null>;

/** A JSON HTTP server on 127.0.0.1:$PORT with /healthz; unknown paths get 404. Stops on SIGTERM/SIGINT. */
export function serve(name: string, handle: Handler): void {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${name}: set PORT to the port to listen on`);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://app");
    const reply: Promise<Reply | null> =
      url.pathname === "/healthz" ? Promise.resolve({ status: 200, body: { ok: true } }) : handle(request, url);
    reply
      .catch((error: unknown) => ({ status: 500, body: { error: `${name}: ${(error as Error).message}` } }))
      .then((result) => {
        const { status, body } = result ?? { status: 404, body: { error: `${name}: no route for ${request.method} ${url.pathname}` } };
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
  });
  server.listen(port, "127.0.0.1", () => console.log(`${name} listening on 127.0.0.1:${port}`));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** True `percent` % of the time. */
export function chance(percent: number): boolean {
  return Math.random() * 100 < percent;
}

export function numberFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number (got "${value}")`);
  return parsed;
}
