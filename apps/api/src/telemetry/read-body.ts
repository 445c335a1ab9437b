import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** A body refused before parsing, with the HTTP status that says why. */
export class BodyRejectedError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The whole body, at most `limitBytes` after decompression (gzip, which OTLP exporters may use),
 * so a compressed bomb is cut off as early as an oversized plain body.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const tooLarge = () => new BodyRejectedError(413, `request body is larger than ${limitBytes} bytes; send smaller batches`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  let source: Readable = req;
  if (encoding === "gzip") source = req.pipe(createGunzip());
  else if (encoding !== "identity") throw new BodyRejectedError(415, `Content-Encoding "${encoding}" is not supported; send identity or gzip`);

  // Events rather than async iteration: leaving a for-await loop would destroy the socket before the 413 goes out.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      source.off("data", onData);
      source.pause();
      reject(tooLarge());
    };
    source.on("data", onData);
    source.once("end", () => resolve(Buffer.concat(chunks)));
    source.once("error", (error) =>
      reject(encoding === "gzip" ? new BodyRejectedError(400, `body is not valid gzip: ${error.message}`) : error),
    );
  });
}
