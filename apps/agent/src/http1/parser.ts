/**
 * HTTP/1.1 message parser for the agent's raw-socket request path (RFC 9112).
 * Strict on purpose: it is the anti-smuggling front line, so anything ambiguous is an HttpParseError.
 * Fast path: the head is found with Buffer.indexOf, decoded once as latin1 and checked with table lookups;
 * bodies leave as subarrays of the input. Input buffers must not be reused by the caller after execute().
 */

export type ParseErrorStatus = 400 | 431 | 501 | 505;

export class HttpParseError extends Error {
  constructor(
    readonly status: ParseErrorStatus,
    message: string,
  ) {
    super(message);
    this.name = "HttpParseError";
  }
}

export interface MessageHead {
  /** Requests; "" for responses. */
  method: string;
  /** Requests, exactly as sent; "" for responses. */
  target: string;
  /** Responses; 0 for requests. */
  status: number;
  /** Responses; "" when absent. */
  reason: string;
  /** HTTP/1.<minor>: 0 or 1. */
  minor: number;
  /** Flat [name, value, …] in order received; names keep their case, values are OWS-trimmed. */
  headers: string[];
  /** -1 when absent. */
  contentLength: number;
  /** Transfer-Encoding: chunked. */
  chunked: boolean;
  /** The connection may carry another message after this one. */
  keepAlive: boolean;
  /** Request: Connection lists "upgrade" and an Upgrade header is present; response: status 101. */
  upgrade: boolean;
  /** The request's Host value. */
  host: string | undefined;
  /** Bytes of the head from its start line through the final CRLFCRLF (empty lines before it not counted). */
  headBytes: number;
}

export interface ParserEvents {
  /** May call pause() to hold everything after the head until resume(). */
  onHead(head: MessageHead): void;
  /** Payload bytes with chunked framing removed; zero-copy subarrays of the input. */
  onBody(chunk: Buffer): void;
  /** Message complete; trailers flat like headers, null when none. */
  onEnd(trailers: string[] | null): void;
}

export interface ParserLimits {
  /** Head (and trailer section) size cap, counted as bytes arrive; default 65536. */
  maxHeadBytes?: number;
  /** Field count cap for the head and for trailers; default 100. */
  maxHeaderCount?: number;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const DQUOTE = 34;
const SLASH = 47;
const COLON = 58;
const SEMI = 59;
const EQUALS = 61;
const BACKSLASH = 92;

const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const MAX_EMPTY_LINES = 4;
const MAX_CHUNK_SIZE_DIGITS = 12;
const MAX_CHUNK_EXT_BYTES = 1024;
const MAX_CONTENT_LENGTH_DIGITS = 15;

// Character classes, one bit each, looked up by byte (latin1 char code).
const TCHAR = 1;
const FIELD = 2; // field-value / reason-phrase: HTAB, SP, VCHAR, obs-text
const TARGET = 4; // visible ASCII
const HEX = 8;
const ALPHA = 16;
const CHARS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const lower = c | 0x20;
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const digit = c >= 0x30 && c <= 0x39;
  let bits = 0;
  if (alpha || digit || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))) bits |= TCHAR;
  if (c === HTAB || (c >= 0x20 && c !== 0x7f)) bits |= FIELD;
  if (c >= 0x21 && c <= 0x7e) bits |= TARGET;
  if (digit || (alpha && lower >= 0x61 && lower <= 0x66)) bits |= HEX;
  if (alpha) bits |= ALPHA;
  CHARS[c] = bits;
}
const is = (c: number, cls: number): boolean => (CHARS[c]! & cls) !== 0;
const isOws = (c: number): boolean => c === SP || c === HTAB;

// Parser states; TUNNEL and above take no more input.
const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CLOSE = 2;
const CHUNK_LINE = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_END = 5;
const TRAILERS = 6;
const MESSAGE_END = 7;
const TUNNEL = 8;
const DETACHED = 9;
const FAILED = 10;

// Chunk-line sub-states.
const CS_SIZE = 0;
const CS_EXT_NAME_START = 1;
const CS_EXT_NAME = 2;
const CS_EXT_VALUE_START = 3;
const CS_EXT_TOKEN = 4;
const CS_EXT_QUOTED = 5;
const CS_EXT_ESCAPE = 6;
const CS_EXT_QUOTED_END = 7;
const CS_LF = 8;

// Buffer#latin1Slice skips toString's encoding dispatch; every Node Buffer has it, @types/node does not declare it.
type Latin1Sliceable = { latin1Slice(start: number, end: number): string };
const latin1 = (b: Buffer, start: number, end: number): string => (b as unknown as Latin1Sliceable).latin1Slice(start, end);

/** One step of a matcher for CR LF CR LF; `matched` is how many of its bytes precede. */
function advance(matched: number, c: number): number {
  if (c === (matched & 1 ? LF : CR)) return matched + 1;
  return c === CR ? 1 : 0;
}

/** s[start, start + lit.length) equals lit ignoring ASCII case (lit: lower-case letters and "-"). */
function lowerEquals(s: string, start: number, lit: string): boolean {
  for (let j = 0; j < lit.length; j++) if ((s.charCodeAt(start + j) | 0x20) !== lit.charCodeAt(j)) return false;
  return true;
}

const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
const show = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
const bad = (message: string): HttpParseError => new HttpParseError(400, message);

function charError(c: number, where: string): HttpParseError {
  if (c === LF) return bad(`bare LF in ${where}`);
  if (c === CR) return bad(`bare CR in ${where}`);
  return bad(`invalid character 0x${c.toString(16).padStart(2, "0")} in ${where}`);
}

/** HTTP-version = "HTTP/" DIGIT "." DIGIT; returns the minor version of 1.0 / 1.1. */
function parseVersion(s: string, start: number, end: number): number {
  const major = s.charCodeAt(start + 5) - 0x30;
  const minor = s.charCodeAt(start + 7) - 0x30;
  if (
    end - start !== 8 ||
    !s.startsWith("HTTP/", start) ||
    s.charCodeAt(start + 6) !== 0x2e ||
    !(major >= 0 && major <= 9) ||
    !(minor >= 0 && minor <= 9)
  ) {
    const lf = s.indexOf("\n", start);
    if (lf >= 0 && lf < end) throw bad("bare LF in start line");
    throw bad(`malformed HTTP version ${show(s.slice(start, end))}`);
  }
  if (major !== 1 || minor > 1) throw new HttpParseError(505, `unsupported HTTP version ${s.slice(start, end)}`);
  return minor;
}

/** scheme "://" …, scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
function isAbsoluteForm(t: string): boolean {
  const colon = t.indexOf("://");
  if (colon < 1 || !is(t.charCodeAt(0), ALPHA)) return false;
  for (let i = 1; i < colon; i++) {
    const c = t.charCodeAt(i);
    if (!(is(c, ALPHA) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/** host ":" port, as CONNECT requires; the host may be a bracketed IPv6 literal. */
function isAuthorityForm(t: string): boolean {
  const colon = t.lastIndexOf(":");
  const portDigits = t.length - colon - 1;
  if (colon < 1 || portDigits < 1 || portDigits > 5) return false;
  for (let i = colon + 1; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  for (let i = 0; i < colon; i++) {
    const c = t.charCodeAt(i);
    if (c === SLASH || c === 0x3f || c === 0x23 || c === 0x40) return false; // / ? # @
  }
  return true;
}

export class Http1Parser {
  private readonly maxHeadBytes: number;
  private readonly maxHeaderCount: number;
  private state = HEAD;
  private paused = false;
  private running = false;
  private eof = false;
  private error: unknown;
  /** Unconsumed input; the first buffer is read from qOff. */
  private q: Buffer[] = [];
  private qOff = 0;

  // Message progress.
  private started = false;
  private emptyLines = 0;
  private afterCR = false;
  private remaining = 0;
  private finalMessage = true;
  private tunnelAfterEnd = false;
  private trailers: string[] | null = null;
  private readonly expected: string[] = [];

  // A head or trailer section split across chunks: its text so far and how much of CRLFCRLF ends it.
  private sectionText = "";
  private sectionBytes = 0;
  private matched = 0;
  private lastByte = 0;

  // Chunk line in progress.
  private chunkSub = CS_SIZE;
  private chunkSize = 0;
  private chunkDigits = 0;
  private chunkExtBytes = 0;

  // Framing fields of the head being parsed.
  private hosts = 0;
  private host: string | undefined = undefined;
  private contentLength = -1;
  private transferEncoding: string | undefined = undefined;
  private connClose = false;
  private connKeepAlive = false;
  private connUpgrade = false;
  private upgradeHeader = false;

  constructor(
    private readonly kind: "request" | "response",
    private readonly events: ParserEvents,
    limits: ParserLimits = {},
  ) {
    this.maxHeadBytes = limits.maxHeadBytes ?? 65536;
    this.maxHeaderCount = limits.maxHeaderCount ?? 100;
  }

  /** Response parsers: queue the method of the next request whose response will be fed (one call per request, in order). */
  expectResponseTo(method: string): void {
    this.expected.push(method);
  }

  /**
   * Feeds bytes; throws HttpParseError on malformed input, after which the parser is unusable.
   * After a final message's onEnd it stops, keeping the rest buffered, until resume(); 1xx responses do not stop it.
   */
  execute(chunk: Buffer): void {
    if (this.state === FAILED) throw this.error;
    if (this.state === DETACHED) throw new Error("Http1Parser: execute() after takeRemainder()");
    if (chunk.length === 0) return;
    this.q.push(chunk);
    this.run();
  }

  /** Stops delivering events until resume(); input keeps being buffered. */
  pause(): void {
    this.paused = true;
  }

  /** Continues with buffered bytes, calling events synchronously. */
  resume(): void {
    if (this.state === FAILED || this.state === DETACHED) return;
    this.paused = false;
    this.run();
  }

  /**
   * The peer closed: ends a close-delimited response body, throws HttpParseError(400) if a message is incomplete, no-op when idle.
   * While paused it takes effect once resume() has drained the buffer.
   */
  finish(): void {
    if (this.state === FAILED || this.state === DETACHED) return;
    this.eof = true;
    this.run();
  }

  /**
   * The bytes not yet parsed, handed over raw (after an upgrade or CONNECT request's onEnd, or a 101 / CONNECT 2xx response);
   * the parser then stops for good. Also callable from onHead, which yields exactly the bytes after the head.
   */
  takeRemainder(): Buffer {
    const parts: Buffer[] = [];
    if (this.sectionBytes > 0) parts.push(Buffer.from(this.sectionText, "latin1"));
    for (let i = 0; i < this.q.length; i++) {
      const b = this.q[i]!;
      parts.push(i === 0 && this.qOff > 0 ? b.subarray(this.qOff) : b);
    }
    this.q = [];
    this.qOff = 0;
    this.sectionText = "";
    this.sectionBytes = 0;
    this.started = false;
    this.state = DETACHED;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Between messages with nothing buffered. */
  get idle(): boolean {
    return this.state === HEAD && !this.started && !this.afterCR && this.q.length === 0;
  }

  /** A message head has been started or received but onEnd not yet reached. */
  get inMessage(): boolean {
    return this.started;
  }

  private run(): void {
    if (this.running) return; // re-entered from a callback: the running loop picks the change up
    this.running = true;
    try {
      while (!this.paused) {
        const state = this.state;
        if (state === MESSAGE_END) {
          this.endMessage();
          continue;
        }
        if (state >= TUNNEL) break;
        const b = this.q[0];
        if (b === undefined) {
          if (!this.eof) break;
          if (state === BODY_CLOSE) {
            this.state = MESSAGE_END;
            continue;
          }
          if (this.started) throw bad("connection ended mid-message");
          break;
        }
        const pos = this.qOff;
        switch (state) {
          case HEAD:
            this.stepHead(b, pos);
            break;
          case BODY_LENGTH:
          case CHUNK_DATA:
            this.stepData(b, pos);
            break;
          case BODY_CLOSE:
            this.qOff = b.length;
            this.events.onBody(pos === 0 ? b : b.subarray(pos));
            break;
          case CHUNK_LINE:
            this.stepChunkLine(b, pos);
            break;
          case CHUNK_DATA_END:
            this.stepChunkDataEnd(b, pos);
            break;
          case TRAILERS:
            this.stepSection(b, pos);
            break;
        }
        if (this.q[0] === b && this.qOff >= b.length) {
          this.q.shift();
          this.qOff = 0;
        }
      }
    } catch (err) {
      if (err instanceof HttpParseError) {
        this.state = FAILED;
        this.error = err;
      }
      throw err;
    } finally {
      this.running = false;
    }
  }

  private endMessage(): void {
    const trailers = this.trailers;
    this.trailers = null;
    this.started = false;
    this.emptyLines = 0;
    if (this.tunnelAfterEnd) this.state = TUNNEL;
    else {
      this.state = HEAD;
      if (this.finalMessage) this.paused = true; // pipelined bytes wait for resume()
    }
    this.events.onEnd(trailers);
  }

  private stepHead(b: Buffer, pos: number): void {
    if (!this.started) {
      // RFC 9112 §2.2: tolerate a few empty lines (CRLF) before a start line.
      const n = b.length;
      while (pos < n) {
        const c = b[pos]!;
        if (this.afterCR) {
          if (c !== LF) throw bad("bare CR before start line");
          this.afterCR = false;
          if (++this.emptyLines > MAX_EMPTY_LINES) throw bad(`more than ${MAX_EMPTY_LINES} empty lines before start line`);
        } else if (c === CR) this.afterCR = true;
        else if (c === LF) throw bad("bare LF before start line");
        else break;
        pos++;
      }
      this.qOff = pos;
      if (pos === n) return;
      this.started = true;
    }
    this.stepSection(b, pos);
  }

  /** Collects a head or trailer section up to its CRLFCRLF, then parses it. */
  private stepSection(b: Buffer, pos: number): void {
    let end = -1;
    if (this.matched > 0) {
      // The terminator may have begun in an earlier chunk.
      let m = this.matched;
      const stop = Math.min(b.length, pos + 4 - m);
      for (let i = pos; i < stop; i++) {
        m = advance(m, b[i]!);
        if (m === 4) {
          end = i + 1;
          break;
        }
      }
    }
    if (end < 0) {
      const at = b.indexOf(CRLFCRLF, pos);
      if (at >= 0) end = at + 4;
    }
    const trailers = this.state === TRAILERS;
    if (end < 0) {
      const n = b.length - pos;
      if (this.sectionBytes + n > this.maxHeadBytes) throw this.tooLarge(trailers);
      // Fail LF-only senders now rather than waiting for a CRLFCRLF that never comes.
      for (let i = b.indexOf(LF, pos); i >= 0; i = b.indexOf(LF, i + 1)) {
        if ((i > pos ? b[i - 1] : this.lastByte) !== CR) throw bad(trailers ? "bare LF in trailer section" : "bare LF in head");
      }
      this.sectionText += latin1(b, pos, b.length);
      this.sectionBytes += n;
      let m = n >= 3 ? 0 : this.matched;
      for (let i = n >= 3 ? b.length - 3 : pos; i < b.length; i++) m = advance(m, b[i]!);
      this.matched = m;
      this.lastByte = b[b.length - 1]!;
      this.qOff = b.length;
      return;
    }
    const size = this.sectionBytes + end - pos;
    if (size > this.maxHeadBytes) throw this.tooLarge(trailers);
    const text = this.sectionBytes === 0 ? latin1(b, pos, end) : this.sectionText + latin1(b, pos, end);
    this.sectionText = "";
    this.sectionBytes = 0;
    this.matched = 0;
    this.lastByte = 0;
    this.qOff = end;
    if (trailers) this.parseTrailers(text);
    else this.parseHead(text, size);
  }

  private tooLarge(trailers: boolean): HttpParseError {
    return new HttpParseError(431, `${trailers ? "trailer section" : "head"} larger than ${this.maxHeadBytes} bytes`);
  }

  private parseTrailers(s: string): void {
    const out: string[] = [];
    // The section started right after the last-chunk line's CRLF, so "\r\n" alone means no trailers.
    if (s.length > 2) this.parseFields(s, 0, s.length - 2, out, false);
    this.trailers = out.length > 0 ? out : null;
    this.state = MESSAGE_END;
  }

  /** Parses field lines in s[i, limit) (each ending in CRLF) into out; notes framing fields when `head`. */
  private parseFields(s: string, i: number, limit: number, out: string[], head: boolean): void {
    const maxValues = this.maxHeaderCount * 2;
    while (i < limit) {
      if (out.length >= maxValues) throw new HttpParseError(431, `more than ${this.maxHeaderCount} ${head ? "header" : "trailer"} fields`);
      // One pass per line: the name scan stops at ":", the value scan at the CR (s always ends in CRLFCRLF).
      let j = i;
      while (is(s.charCodeAt(j), TCHAR)) j++;
      if (s.charCodeAt(j) !== COLON || j === i) throw fieldNameError(s, i, j, head);
      let v = j + 1;
      while (isOws(s.charCodeAt(v))) v++;
      let k = v;
      while (is(s.charCodeAt(k), FIELD)) k++;
      if (s.charCodeAt(k) !== CR) throw charError(s.charCodeAt(k), `${head ? "header" : "trailer"} field value`);
      if (s.charCodeAt(k + 1) !== LF) throw bad(`bare CR in ${head ? "header" : "trailer"} field value`);
      let e = k;
      while (e > v && isOws(s.charCodeAt(e - 1))) e--;
      const value = s.slice(v, e);
      out.push(s.slice(i, j), value);
      if (head) this.noteField(s, i, j - i, value);
      i = k + 2;
    }
  }

  /** Records the fields that decide framing and connection reuse; the name is s[start, start + len). */
  private noteField(s: string, start: number, len: number, value: string): void {
    switch (len) {
      case 4:
        if (lowerEquals(s, start, "host")) {
          if (++this.hosts > 1 && this.kind === "request") throw bad("more than one Host header");
          this.host = value;
        }
        break;
      case 7:
        if (lowerEquals(s, start, "upgrade")) this.upgradeHeader = true;
        break;
      case 10:
        if (lowerEquals(s, start, "connection")) this.noteConnection(value);
        break;
      case 14:
        if (lowerEquals(s, start, "content-length")) {
          if (this.contentLength >= 0) throw bad("more than one Content-Length header");
          this.contentLength = parseContentLength(value);
        }
        break;
      case 17:
        if (lowerEquals(s, start, "transfer-encoding")) {
          if (this.transferEncoding !== undefined) throw bad("more than one Transfer-Encoding header");
          this.transferEncoding = value;
        }
        break;
    }
  }

  private noteConnection(v: string): void {
    const n = v.length;
    for (let a = 0; a <= n; ) {
      let e = v.indexOf(",", a);
      if (e < 0) e = n;
      let x = a;
      let y = e;
      while (x < y && isOws(v.charCodeAt(x))) x++;
      while (y > x && isOws(v.charCodeAt(y - 1))) y--;
      const len = y - x;
      if (len === 5 && lowerEquals(v, x, "close")) this.connClose = true;
      else if (len === 10 && lowerEquals(v, x, "keep-alive")) this.connKeepAlive = true;
      else if (len === 7 && lowerEquals(v, x, "upgrade")) this.connUpgrade = true;
      a = e + 1;
    }
  }

  private resetFraming(): void {
    this.hosts = 0;
    this.host = undefined;
    this.contentLength = -1;
    this.transferEncoding = undefined;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.upgradeHeader = false;
  }

  private parseHead(s: string, size: number): void {
    this.resetFraming();
    const lineEnd = s.indexOf("\r");
    if (s.charCodeAt(lineEnd + 1) !== LF) throw bad("bare CR in start line");
    const request = this.kind === "request";
    let method = "";
    let target = "";
    let status = 0;
    let reason = "";
    let minor: number;
    if (request) {
      let i = 0;
      while (i < lineEnd && is(s.charCodeAt(i), TCHAR)) i++;
      if (i === 0 || s.charCodeAt(i) !== SP) throw i === 0 ? charError(s.charCodeAt(0), "method") : charError(s.charCodeAt(i), "request line after method");
      method = s.slice(0, i);
      const t = ++i;
      while (i < lineEnd && is(s.charCodeAt(i), TARGET)) i++;
      if (i === t) throw bad("empty request target");
      if (i === lineEnd) throw bad("request line without HTTP version");
      if (s.charCodeAt(i) !== SP) throw charError(s.charCodeAt(i), "request target");
      target = s.slice(t, i);
      minor = parseVersion(s, i + 1, lineEnd);
      checkTargetForm(method, target);
    } else {
      let sp = s.indexOf(" ");
      if (sp < 0 || sp > lineEnd) sp = lineEnd;
      minor = parseVersion(s, 0, sp);
      const d0 = s.charCodeAt(sp + 1) - 0x30;
      const d1 = s.charCodeAt(sp + 2) - 0x30;
      const d2 = s.charCodeAt(sp + 3) - 0x30;
      const after = sp + 4;
      if (!(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || after > lineEnd || (after < lineEnd && s.charCodeAt(after) !== SP)) {
        throw bad(`malformed status code in ${show(s.slice(0, lineEnd))}`);
      }
      status = d0 * 100 + d1 * 10 + d2;
      for (let k = after + 1; k < lineEnd; k++) {
        const c = s.charCodeAt(k);
        if (!is(c, FIELD)) throw charError(c, "reason phrase");
      }
      if (after < lineEnd) reason = s.slice(after + 1, lineEnd);
    }

    const headers: string[] = [];
    this.parseFields(s, lineEnd + 2, s.length - 2, headers, true);

    const what = request ? "request" : "response";
    const cl = this.contentLength;
    const te = this.transferEncoding;
    let chunked = false;
    if (te !== undefined) {
      if (cl >= 0) throw bad(`${what} has both Content-Length and Transfer-Encoding`);
      if (minor === 0) throw bad(`Transfer-Encoding in an HTTP/1.0 ${what}`);
      if (te.length === 7 && lowerEquals(te, 0, "chunked")) chunked = true;
      else if (te === "") throw bad("empty Transfer-Encoding");
      else throw new HttpParseError(501, `unsupported transfer coding ${show(te)} (only "chunked" is accepted)`);
    }
    let keepAlive = !this.connClose && (minor === 1 || this.connKeepAlive);
    let upgrade = false;
    let next: number;
    this.finalMessage = true;
    this.tunnelAfterEnd = false;
    if (request) {
      if (this.hosts === 0 && minor === 1) throw bad("HTTP/1.1 request without Host header");
      upgrade = this.connUpgrade && this.upgradeHeader;
      if (method === "CONNECT") {
        if (chunked || cl > 0) throw bad("CONNECT request with a body");
        next = MESSAGE_END;
      } else next = chunked ? CHUNK_LINE : cl > 0 ? BODY_LENGTH : MESSAGE_END;
    } else {
      const interim = status < 200 && status !== 101;
      const answers = interim ? "" : (this.expected.shift() ?? "");
      if (status === 101 || (answers === "CONNECT" && status < 300 && status >= 200)) {
        upgrade = status === 101;
        this.tunnelAfterEnd = true; // what follows is no longer HTTP
        next = MESSAGE_END;
      } else if (interim) {
        this.finalMessage = false;
        next = MESSAGE_END;
      } else if (answers === "HEAD" || status === 204 || status === 304) next = MESSAGE_END;
      else if (chunked) next = CHUNK_LINE;
      else if (cl >= 0) next = cl > 0 ? BODY_LENGTH : MESSAGE_END;
      else {
        next = BODY_CLOSE;
        keepAlive = false;
      }
    }

    const head: MessageHead = {
      method,
      target,
      status,
      reason,
      minor,
      headers,
      contentLength: cl,
      chunked,
      keepAlive,
      upgrade,
      host: this.host,
      headBytes: size,
    };
    this.state = next;
    this.remaining = cl;
    this.chunkSub = CS_SIZE;
    this.events.onHead(head);
  }

  private stepData(b: Buffer, pos: number): void {
    const avail = b.length - pos;
    const n = avail < this.remaining ? avail : this.remaining;
    this.remaining -= n;
    this.qOff = pos + n;
    if (this.remaining === 0) {
      this.state = this.state === CHUNK_DATA ? CHUNK_DATA_END : MESSAGE_END;
      this.chunkSub = 0;
    }
    this.events.onBody(n === b.length ? b : b.subarray(pos, pos + n));
  }

  /** chunk-size [ chunk-ext ] CRLF, byte by byte since it may be split anywhere; no whitespace allowed. */
  private stepChunkLine(b: Buffer, pos: number): void {
    let sub = this.chunkSub;
    let size = this.chunkSize;
    let digits = this.chunkDigits;
    let ext = this.chunkExtBytes;
    const n = b.length;
    for (let i = pos; i < n; i++) {
      const c = b[i]!;
      if (sub === CS_SIZE) {
        if (is(c, HEX)) {
          if (++digits > MAX_CHUNK_SIZE_DIGITS) throw bad(`chunk size longer than ${MAX_CHUNK_SIZE_DIGITS} hex digits`);
          size = size * 16 + hexValue(c);
        } else if (digits === 0) throw charError(c, "chunk size");
        else if (c === CR) sub = CS_LF;
        else if (c === SEMI) sub = CS_EXT_NAME_START;
        else throw charError(c, "chunk size");
        continue;
      }
      if (sub === CS_LF) {
        if (c !== LF) throw bad("bare CR in chunk line");
        this.qOff = i + 1;
        this.chunkSub = CS_SIZE;
        this.chunkSize = 0;
        this.chunkDigits = 0;
        this.chunkExtBytes = 0;
        if (size > 0) {
          this.state = CHUNK_DATA;
          this.remaining = size;
        } else {
          this.state = TRAILERS;
          this.matched = 2; // the last-chunk line's CRLF starts the CRLFCRLF that ends an empty trailer section
          this.lastByte = LF;
        }
        return;
      }
      if (++ext > MAX_CHUNK_EXT_BYTES) throw bad(`chunk extensions longer than ${MAX_CHUNK_EXT_BYTES} bytes`);
      const tchar = is(c, TCHAR);
      switch (sub) {
        case CS_EXT_NAME_START:
          if (!tchar) throw charError(c, "chunk extension name");
          sub = CS_EXT_NAME;
          continue;
        case CS_EXT_VALUE_START:
          if (c === DQUOTE) sub = CS_EXT_QUOTED;
          else if (tchar) sub = CS_EXT_TOKEN;
          else throw charError(c, "chunk extension value");
          continue;
        case CS_EXT_QUOTED:
          if (c === DQUOTE) sub = CS_EXT_QUOTED_END;
          else if (c === BACKSLASH) sub = CS_EXT_ESCAPE;
          else if (!is(c, FIELD)) throw charError(c, "chunk extension quoted value");
          continue;
        case CS_EXT_ESCAPE:
          if (!is(c, FIELD)) throw charError(c, "chunk extension quoted value");
          sub = CS_EXT_QUOTED;
          continue;
      }
      // CS_EXT_NAME, CS_EXT_TOKEN, CS_EXT_QUOTED_END: more of the token, "=", ";" or the end of the line.
      if (tchar && sub !== CS_EXT_QUOTED_END) continue;
      if (c === EQUALS && sub === CS_EXT_NAME) sub = CS_EXT_VALUE_START;
      else if (c === SEMI) sub = CS_EXT_NAME_START;
      else if (c === CR) sub = CS_LF;
      else throw charError(c, "chunk extension");
    }
    this.chunkSub = sub;
    this.chunkSize = size;
    this.chunkDigits = digits;
    this.chunkExtBytes = ext;
    this.qOff = n;
  }

  private stepChunkDataEnd(b: Buffer, pos: number): void {
    for (let i = pos; i < b.length; i++) {
      const c = b[i]!;
      if (c !== (this.chunkSub === 0 ? CR : LF)) throw bad("chunk data not followed by CRLF");
      if (this.chunkSub === 0) this.chunkSub = 1;
      else {
        this.chunkSub = CS_SIZE;
        this.state = CHUNK_LINE;
        this.qOff = i + 1;
        return;
      }
    }
    this.qOff = b.length;
  }
}

function fieldNameError(s: string, i: number, j: number, head: boolean): HttpParseError {
  const where = head ? "header field" : "trailer field";
  const c = s.charCodeAt(j);
  if (j === i && isOws(c)) return bad(`obs-fold (line starting with whitespace) in ${where}s`);
  if (c === COLON) return bad(`empty ${where} name`);
  if (isOws(c)) return bad(`whitespace before colon in ${where} name`);
  if (c === CR && s.charCodeAt(j + 1) === LF) return bad(`${where} line without colon`);
  return charError(c, `${where} name`);
}

function parseContentLength(v: string): number {
  if (v.length === 0 || v.length > MAX_CONTENT_LENGTH_DIGITS) throw bad(`invalid Content-Length ${show(v)}`);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw bad(`invalid Content-Length ${show(v)}`);
    n = n * 10 + d;
  }
  return n;
}

function checkTargetForm(method: string, target: string): void {
  if (method === "CONNECT") {
    if (!isAuthorityForm(target)) throw bad(`CONNECT target must be host:port, got ${show(target)}`);
  } else if (target.charCodeAt(0) === SLASH) return;
  else if (target === "*") {
    if (method !== "OPTIONS") throw bad(`"*" target is only allowed for OPTIONS, not ${method}`);
  } else if (!isAbsoluteForm(target)) throw bad(`request target ${show(target)} is not origin-form or absolute-form`);
}
