import type { IncomingMessage } from "node:http";
import type { RequestHead } from "../endpoint/hop-by-hop.ts";

/** Bodies up to this size are held in memory so a retry can send them again. */
export const REPLAYABLE_BODY_LIMIT = 64 * 1024;

/** A declared length small enough to buffer for replay; chunked bodies of unknown size are streamed. */
export function isReplayableSize(head: RequestHead): boolean {
  return head.contentLength !== undefined && Number(head.contentLength) <= REPLAYABLE_BODY_LIMIT;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
