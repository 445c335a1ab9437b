/** U+FFFD in UTF-8: what a high surrogate left unpaired at the end of the stream becomes. */
const REPLACEMENT_CHARACTER_UTF8 = [0xef, 0xbf, 0xbd] as const;

const isHighSurrogate = (codeUnit: number) => codeUnit >= 0xd800 && codeUnit <= 0xdbff;

/**
 * The WHATWG TextEncoderStream (https://encoding.spec.whatwg.org/#interface-textencoderstream), encoding each chunk
 * with one TextEncoder.encode call. Node's own copies every chunk code unit by code unit first, which made it half of
 * the control plane's CPU when pushing a ~40 KB snapshot to hundreds of SSE subscribers.
 * TextEncoder already writes U+FFFD for lone surrogates, so only a high surrogate ending a chunk needs care: it is held
 * back and prefixed to the next chunk, where it pairs with a leading low surrogate or becomes U+FFFD, as the spec says.
 */
export class FastTextEncoderStream {
  readonly encoding = "utf-8";
  readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  readonly writable: WritableStream<string>;

  constructor() {
    const encoder = new TextEncoder();
    let pendingHighSurrogate = "";
    const transform = new TransformStream<string, Uint8Array<ArrayBuffer>>({
      transform(chunk, controller) {
        let text = pendingHighSurrogate + String(chunk);
        pendingHighSurrogate = "";
        if (isHighSurrogate(text.charCodeAt(text.length - 1))) {
          pendingHighSurrogate = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text) controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        if (pendingHighSurrogate) controller.enqueue(Uint8Array.from(REPLACEMENT_CHARACTER_UTF8));
      },
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }

  get [Symbol.toStringTag](): string {
    return "TextEncoderStream";
  }
}

/**
 * Makes `globalThis.TextEncoderStream` the fast one; tRPC's SSE and streaming responses look it up there per response.
 * Unconditional: the per-code-unit loop came with nodejs/node#44101 (2022) and no later Node change removing it was found.
 */
export function installFastTextEncoderStream(): void {
  globalThis.TextEncoderStream = FastTextEncoderStream;
}
