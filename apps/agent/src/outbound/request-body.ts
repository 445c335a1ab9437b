import type { IncomingMessage } from "node:http";

/** Bodies up to this size are held in memory so a retry can send them again. */
export const REPLAYABLE_BODY_LIMIT = 64 * 1024;

/** Whether the request carries a body at all (RFC 9112 §6.3: a length or a transfer coding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

/** A declared length small enough to buffer for replay; chunked bodies of unknown size are streamed. */
export function isReplayableSize(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return length !== undefined && Number(length) <= REPLAYABLE_BODY_LIMIT;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
