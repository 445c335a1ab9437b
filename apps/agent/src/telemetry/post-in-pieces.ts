import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { RecordableHistogram } from "node:perf_hooks";

/** Items per write: ~64 spans or log lines (~40 KB) take well under 0.1 ms to join and hand to the socket. */
const ITEMS_PER_WRITE = 64;

export interface PieceBody {
  /** Written before the items, e.g. `{"resourceSpans":[...,"spans":[`. */
  head: string;
  /** JSON values, written comma-separated. */
  items: readonly string[];
  tail: string;
}

export interface PostAnswer {
  /** 0 when there was no answer (refused, reset, timed out). */
  status: number;
  body: string;
}

/** A keep-alive agent for one telemetry destination (one request at a time). */
export function telemetryAgent(url: string): HttpAgent {
  return url.startsWith("https:") ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
}

/**
 * POSTs a JSON body made of many pre-encoded items, written a few dozen at a time with a turn of the event loop in
 * between (chunked transfer encoding), so no single join or UTF-8 encode of a whole batch (~350 KB: 1–3 ms) holds
 * the loop. `busy` records each synchronous stretch, in µs.
 */
export function postInPieces(
  url: string,
  { agent, headers, timeoutMs, busy }: { agent: HttpAgent; headers: Record<string, string>; timeoutMs: number; busy?: RecordableHistogram | undefined },
  body: PieceBody,
): Promise<PostAnswer> {
  return new Promise<PostAnswer>((resolve) => {
    let settled = false;
    const settle = (answer: PostAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const started = performance.now();
    const request: ClientRequest = send(url, { method: "POST", agent, timeout: timeoutMs, headers: { "content-type": "application/json", ...headers } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (text.length < 4096) text += chunk;
      });
      response.on("end", () => settle({ status: response.statusCode ?? 0, body: text }));
      response.on("error", () => settle({ status: 0, body: "" }));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => settle({ status: 0, body: "" }));
    request.on("close", () => settle({ status: 0, body: "" }));

    let next = 0;
    const writeSome = (first: boolean) => {
      const t = first ? started : performance.now();
      if (settled || request.destroyed) return;
      const end = Math.min(body.items.length, next + ITEMS_PER_WRITE);
      let chunk = first ? body.head : ",";
      chunk += body.items.slice(next, end).join(",");
      next = end;
      if (next >= body.items.length) {
        request.end(chunk + body.tail);
        busy?.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
        return;
      }
      const flowing = request.write(chunk);
      busy?.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
      if (flowing) setImmediate(writeSome, false);
      else request.once("drain", () => writeSome(false));
    };
    writeSome(true);
  });
}
