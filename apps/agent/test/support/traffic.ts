import type { IncomingMessage, ServerResponse } from "node:http";
import { sendThrough, type AppHandler, type ServiceInstance } from "../integration/harness.ts";

/** What became of one request: an answer (with the agent's cause when it made the answer itself) or a transport error. */
export interface RequestOutcome {
  id: string;
  status: number;
  /** x-mesh-error of an answer the agent made, or the transport error; null for an upstream answer. */
  cause: string | null;
  /** The agent's one-line explanation, for failures. */
  message?: string;
}

export interface TrafficRun {
  outcomes: RequestOutcome[];
  /** Requests started so far. */
  sent(): number;
  /** Stops starting requests and waits for every started one to finish. */
  stop(): Promise<RequestOutcome[]>;
}

/** Numbers each run, so request ids stay unique across runs against the same app. */
let runs = 0;

/**
 * Open-loop traffic at `ratePerSecond` through `caller`'s outbound port to `destination`, each
 * request carrying a unique x-request-id (and, for POST, a body), so an upstream can count them.
 */
export function startTraffic(caller: ServiceInstance, destination: string, { ratePerSecond, method = "GET" }: { ratePerSecond: number; method?: string }): TrafficRun {
  const outcomes: RequestOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  const run = ++runs;
  const begin = performance.now();
  const send = (): void => {
    const id = `${method.toLowerCase()}-${run}-${started++}`;
    const done = sendThrough(caller, destination, `/traffic/${id}`, {
      method,
      headers: { "x-request-id": id, "content-type": "application/json" },
      body: method === "GET" ? undefined : JSON.stringify({ id }),
    }).then(
      (response) => {
        const cause = (response.headers["x-mesh-error"] as string | undefined) ?? null;
        outcomes.push(cause ? { id, status: response.status, cause, message: response.body.trim().slice(0, 300) } : { id, status: response.status, cause });
      },
      (error: Error) => void outcomes.push({ id, status: 0, cause: `transport: ${error.message}` }),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  // Catch up to the schedule on each tick, so a slow tick does not lower the rate.
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - begin) / 1000) * ratePerSecond);
    while (started < due) send();
  }, 5);
  return {
    outcomes,
    sent: () => started,
    async stop() {
      clearInterval(ticker);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return outcomes;
    },
  };
}

/** An upstream app that counts every request by x-request-id (to prove none is lost or duplicated) and answers like `inner`. */
export function countingApp(inner: AppHandler = respondOk): { handler: AppHandler; seen: Map<string, number> } {
  const seen = new Map<string, number>();
  return {
    seen,
    handler: (req, res, instance) => {
      const id = req.headers["x-request-id"];
      if (typeof id === "string") seen.set(id, (seen.get(id) ?? 0) + 1);
      inner(req, res, instance);
    },
  };
}

function respondOk(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
}

/** Outcome counts like { "200": 980, "502 upstream-reset": 3 }, so a failed assertion shows what happened. */
export function tally(outcomes: RequestOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status, cause } of outcomes) {
    const key = cause ? `${status} ${cause}` : String(status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
