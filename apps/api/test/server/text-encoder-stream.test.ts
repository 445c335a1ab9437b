import { TextEncoderStream as BuiltinTextEncoderStream } from "node:stream/web";
import { describe, expect, it } from "vitest";
import { FastTextEncoderStream } from "../../src/text-encoder-stream.ts";

interface EncoderStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<string>;
}

/** The chunks `stream` puts out for `chunks` written one by one, as byte arrays. */
async function encodeChunks(stream: EncoderStream, chunks: string[]): Promise<number[][]> {
  const output = (async () => {
    const out: number[][] = [];
    for await (const bytes of stream.readable) out.push([...bytes]);
    return out;
  })();
  const writer = stream.writable.getWriter();
  for (const chunk of chunks) await writer.write(chunk);
  await writer.close();
  return output;
}

const EMOJI = "\u{1F600}";
const [HIGH, LOW] = [EMOJI[0]!, EMOJI[1]!];

const CASES: Record<string, string[]> = {
  ASCII: ["data: {\"revision\":7}\n\n", "event: ping\n\n"],
  "multi-byte characters": ["é€ 日本語", "ß"],
  "an emoji whole in one chunk": [`a${EMOJI}b`],
  "an emoji split across two chunks": [`a${HIGH}`, `${LOW}b`],
  "an emoji split by an empty chunk": [HIGH, "", LOW],
  "a lone high surrogate at the end": ["abc", HIGH],
  "a high surrogate followed by a non-surrogate": [HIGH, "x"],
  "two high surrogates in a row": [HIGH, HIGH, LOW],
  "a lone low surrogate": [LOW, `x${LOW}`],
  "a lone surrogate mid-chunk": [`a${HIGH}b${LOW}c`],
  "empty chunks": ["", "a", "", ""],
  "nothing but empty chunks": ["", ""],
  "no chunks": [],
};

describe("FastTextEncoderStream", () => {
  it.each(Object.entries(CASES))("puts out the same chunks as the built-in for %s", async (_, chunks) => {
    const expected = await encodeChunks(new BuiltinTextEncoderStream(), chunks);
    expect(await encodeChunks(new FastTextEncoderStream(), chunks)).toEqual(expected);
  });

  it("encodes a split emoji as one 4-byte sequence and a trailing lone surrogate as U+FFFD", async () => {
    expect((await encodeChunks(new FastTextEncoderStream(), [HIGH, LOW])).flat()).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect((await encodeChunks(new FastTextEncoderStream(), ["a", HIGH])).flat()).toEqual([0x61, 0xef, 0xbf, 0xbd]);
  });

  it("has the built-in's encoding and string tag", () => {
    const stream = new FastTextEncoderStream();
    expect(stream.encoding).toBe("utf-8");
    expect(Object.prototype.toString.call(stream)).toBe("[object TextEncoderStream]");
  });
});
