import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Http1Parser, HttpParseError, type MessageHead, type ParserLimits } from "../../../src/http1/parser.ts";

type Kind = "request" | "response";
type Event = { head: MessageHead } | { body: string } | { end: string[] | null };

interface Options {
  limits?: ParserLimits;
  /** Methods passed to expectResponseTo, in order. */
  answering?: string[];
  /** Call resume() from onEnd so pipelined messages all come out. */
  autoResume?: boolean;
  finish?: boolean;
}

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

/** Feeds the chunks and records events; consecutive body chunks are merged so splits compare equal. */
function run(kind: Kind, chunks: Buffer[], options: Options = {}): { events: Event[]; parser: Http1Parser } {
  const events: Event[] = [];
  const parser: Http1Parser = new Http1Parser(
    kind,
    {
      onHead: (head) => events.push({ head }),
      onBody: (chunk) => {
        const last = events.at(-1);
        if (last && "body" in last) last.body += chunk.toString("latin1");
        else events.push({ body: chunk.toString("latin1") });
      },
      onEnd: (trailers) => {
        events.push({ end: trailers });
        if (options.autoResume ?? true) parser.resume();
      },
    },
    options.limits,
  );
  for (const method of options.answering ?? []) parser.expectResponseTo(method);
  for (const chunk of chunks) parser.execute(chunk);
  if (options.finish) parser.finish();
  return { events, parser };
}

const parse = (kind: Kind, text: string, options?: Options): Event[] => run(kind, [bytes(text)], options).events;

function parseError(kind: Kind, chunks: Buffer[], options?: Options): HttpParseError {
  try {
    run(kind, chunks, options);
  } catch (err) {
    if (err instanceof HttpParseError) return err;
    throw err;
  }
  throw new Error("expected an HttpParseError");
}

function expectRejected(kind: Kind, text: string, status: number, message: RegExp, options?: Options): void {
  const err = parseError(kind, [bytes(text)], options);
  expect({ status: err.status, message: err.message }).toEqual({ status, message: expect.stringMatching(message) });
}

const heads = (events: Event[]): MessageHead[] => events.flatMap((e) => ("head" in e ? [e.head] : []));
const firstHead = (events: Event[]): MessageHead => {
  const head = heads(events)[0];
  if (!head) throw new Error("no head");
  return head;
};
const req = (head: string, body = ""): string => `${head}\r\n\r\n${body}`;
const get = (headers = ""): string => req(`GET / HTTP/1.1\r\nHost: a${headers}`);

/** Splits data at the given sorted offsets. */
function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(data.subarray(prev, cut));
    prev = cut;
  }
  return out;
}

// Valid messages (and pipelines) whose events must not depend on how the bytes are chunked.
const VALID: { name: string; kind: Kind; text: string; options?: Options }[] = [
  { name: "simple GET", kind: "request", text: "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n" },
  { name: "leading empty lines", kind: "request", text: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" },
  { name: "POST with Content-Length", kind: "request", text: req("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11", "hello world") },
  {
    name: "chunked with extensions and trailers",
    kind: "request",
    text: req("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", '5;a=b;c\r\nhello\r\n6;q="x \\"y"\r\n world\r\n0;last\r\nT1: one\r\nT2:  two \r\n\r\n'),
  },
  { name: "chunked without trailers", kind: "request", text: req("PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", "A\r\n0123456789\r\n0\r\n\r\n") },
  {
    name: "pipelined requests",
    kind: "request",
    text: `${get()}${req("POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3", "abc")}${req("GET /3 HTTP/1.0")}`,
  },
  { name: "obs-text and tabs in values", kind: "request", text: get("\r\nX-Name: caf\xe9\tau lait\r\nEmpty:\r\nX-Tab:\t v \t") },
  { name: "HTTP/1.0 without Host", kind: "request", text: "GET / HTTP/1.0\r\n\r\n" },
  { name: "absolute-form", kind: "request", text: "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n" },
  { name: "OPTIONS *", kind: "request", text: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" },
  { name: "response with length", kind: "response", text: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" },
  { name: "chunked response", kind: "response", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n" },
  { name: "1xx then final", kind: "response", text: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok" },
  { name: "close-delimited response", kind: "response", text: "HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this until close", options: { finish: true } },
  { name: "empty reason phrases", kind: "response", text: "HTTP/1.1 204 \r\n\r\nHTTP/1.1 304\r\nContent-Length: 10\r\n\r\n" },
  { name: "response to HEAD", kind: "response", text: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 404 Nope\r\nContent-Length: 1\r\n\r\nx", options: { answering: ["HEAD", "GET"] } },
];

function valid(name: string): (typeof VALID)[number] {
  const message = VALID.find((m) => m.name === name);
  if (!message) throw new Error(`no valid message ${name}`);
  return message;
}

describe("Http1Parser: requests", () => {
  it("parses a request head", () => {
    const head = firstHead(parse("request", "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Thing:   padded value \t\r\nx-lower: v\r\n\r\n"));
    expect(head).toEqual({
      method: "GET",
      target: "/a?b=c",
      status: 0,
      reason: "",
      minor: 1,
      headers: ["Host", "example.com", "X-Thing", "padded value", "x-lower", "v"],
      contentLength: -1,
      chunked: false,
      keepAlive: true,
      upgrade: false,
      host: "example.com",
      headBytes: 81,
    });
  });

  it("delivers a Content-Length body as zero-copy subarrays and ends", () => {
    const input = bytes(req("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5", "hello"));
    const bodies: Buffer[] = [];
    const ends: (string[] | null)[] = [];
    new Http1Parser("request", { onHead: () => {}, onBody: (b) => bodies.push(b), onEnd: (t) => ends.push(t) }).execute(input);
    expect(bodies.map((b) => b.toString())).toEqual(["hello"]);
    expect(bodies[0]!.buffer).toBe(input.buffer);
    expect(ends).toEqual([null]);
  });

  it("gives no body to a request with neither Content-Length nor chunked", () => {
    const events = parse("request", `${get()}${req("GET /2 HTTP/1.1\r\nHost: a")}`);
    expect(events.map((e) => Object.keys(e)[0])).toEqual(["head", "end", "head", "end"]);
    expect(heads(events).map((h) => h.target)).toEqual(["/", "/2"]);
  });

  it("decodes chunked bodies, extensions and trailers", () => {
    const events = parse("request", valid("chunked with extensions and trailers").text);
    expect(firstHead(events).chunked).toBe(true);
    expect(events.slice(1)).toEqual([{ body: "hello world" }, { end: ["T1", "one", "T2", "two"] }]);
    expect(parse("request", valid("chunked without trailers").text).slice(1)).toEqual([{ body: "0123456789" }, { end: null }]);
  });

  it("accepts chunk sizes with leading zeros up to 12 hex digits, upper or lower case", () => {
    const body = "000000000003\r\nabc\r\nA\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n";
    expect(parse("request", req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", body))[1]).toEqual({ body: "abc01234567890123456789" });
  });

  it("accepts Transfer-Encoding: chunked in any case with OWS", () => {
    for (const te of ["CHUNKED", "Chunked", "  chunked\t"]) {
      const events = parse("request", req(`POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: ${te}`, "1\r\nx\r\n0\r\n\r\n"));
      expect(events.slice(1)).toEqual([{ body: "x" }, { end: null }]);
    }
  });

  it("accepts Content-Length with OWS and leading zeros, and Content-Length: 0", () => {
    expect(firstHead(parse("request", req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  007 ", "1234567"))).contentLength).toBe(7);
    expect(parse("request", req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0")).map((e) => Object.keys(e)[0])).toEqual(["head", "end"]);
    const max = run("request", [bytes(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999"))]);
    expect(firstHead(max.events).contentLength).toBe(999_999_999_999_999);
  });

  it("computes keepAlive from the version and Connection tokens", () => {
    const keep = (text: string): boolean => firstHead(parse("request", text)).keepAlive;
    expect(keep(get())).toBe(true);
    expect(keep(get("\r\nConnection: close"))).toBe(false);
    expect(keep(get("\r\nConnection: foo, CLOSE"))).toBe(false);
    expect(keep(get("\r\nConnection: keep-alive\r\nConnection: Close"))).toBe(false);
    expect(keep("GET / HTTP/1.0\r\n\r\n")).toBe(false);
    expect(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).toBe(true);
    expect(keep("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")).toBe(false);
  });

  it("reports Host, and undefined for HTTP/1.0 without one", () => {
    expect(firstHead(parse("request", "GET / HTTP/1.0\r\n\r\n")).host).toBeUndefined();
    expect(firstHead(parse("request", "GET / HTTP/1.0\r\nhOsT: b:8080\r\n\r\n")).host).toBe("b:8080");
    expect(firstHead(parse("request", "GET / HTTP/1.1\r\nHost:\r\n\r\n")).host).toBe("");
  });

  it("accepts the four target forms where they belong", () => {
    expect(firstHead(parse("request", "GET http://example.com:80/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n")).target).toBe("http://example.com:80/x?y");
    expect(firstHead(parse("request", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")).target).toBe("*");
    expect(firstHead(parse("request", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")).target).toBe("example.com:443");
    expect(firstHead(parse("request", "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n")).target).toBe("[::1]:8443");
    expect(firstHead(parse("request", "GET /%7Efoo/!$&'()*+,;=:@ HTTP/1.1\r\nHost: a\r\n\r\n")).target).toBe("/%7Efoo/!$&'()*+,;=:@");
  });

  it("flags upgrade only with Connection: upgrade and an Upgrade header", () => {
    const up = (headers: string): boolean => firstHead(parse("request", get(headers))).upgrade;
    expect(up("\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket")).toBe(true);
    expect(up("\r\nUpgrade: websocket")).toBe(false);
    expect(up("\r\nConnection: upgrade")).toBe(false);
  });

  it("hands over the bytes after an upgrade request once it has ended", () => {
    const { events, parser } = run("request", [bytes(`${get("\r\nConnection: upgrade\r\nUpgrade: websocket")}\x81\x05hello`), bytes("more")], { autoResume: false });
    expect(events.map((e) => Object.keys(e)[0])).toEqual(["head", "end"]);
    expect(parser.takeRemainder().toString("latin1")).toBe("\x81\x05hellomore");
    expect(() => parser.execute(bytes("x"))).toThrow(/takeRemainder/);
  });

  it("ends a CONNECT request at its head and hands over the tunnel bytes", () => {
    const { events, parser } = run("request", [bytes("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\x16\x03\x01")], { autoResume: false });
    expect(events.map((e) => Object.keys(e)[0])).toEqual(["head", "end"]);
    expect(parser.takeRemainder()).toEqual(Buffer.from([0x16, 0x03, 0x01]));
  });

  it("takeRemainder from onHead returns exactly the bytes after the head", () => {
    let remainder: Buffer | undefined;
    const parser: Http1Parser = new Http1Parser("request", {
      onHead: () => {
        remainder = parser.takeRemainder();
      },
      onBody: () => expect.unreachable(),
      onEnd: () => expect.unreachable(),
    });
    parser.execute(bytes(`${get("\r\nConnection: upgrade\r\nUpgrade: h2c")}PRI * HTTP/2.0`));
    expect(remainder?.toString()).toBe("PRI * HTTP/2.0");
  });
});

describe("Http1Parser: request rejections", () => {
  const cases: [string, string, number, RegExp][] = [
    // request line
    ["double space after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /empty request target/],
    ["non-token method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0x40 in request line after method/],
    ["leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0x20 in method/],
    ["tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0x09/],
    ["space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, /malformed HTTP version/],
    ["CTL in target", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0x01 in request target/],
    ["DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0x7f in request target/],
    ["obs-text in target", "GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, /0xe9 in request target/],
    ["no version", "GET /\r\nHost: a\r\n\r\n", 400, /without HTTP version/],
    ["trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, /malformed HTTP version/],
    ["lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, /malformed HTTP version/],
    ["short version", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400, /malformed HTTP version/],
    ["long version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, /malformed HTTP version/],
    ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, /unsupported HTTP version HTTP\/2.0/],
    ["HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, /unsupported HTTP version/],
    ["HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505, /unsupported HTTP version/],
    ["relative target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400, /not origin-form or absolute-form/],
    ["authority-form for GET", "GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400, /not origin-form/],
    ["* for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, /only allowed for OPTIONS/],
    ["CONNECT with a path", "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400, /CONNECT target must be host:port/],
    ["CONNECT without port", "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", 400, /CONNECT target/],
    ["CONNECT absolute-form", "CONNECT http://a:1/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, /CONNECT target/],
    ["CONNECT with a body", "CONNECT a:1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 400, /CONNECT request with a body/],
    ["too many empty lines first", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /more than 4 empty lines/],
    ["bare LF empty line first", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /bare LF before start line/],
    ["bare CR empty line first", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, /bare CR before start line/],
    // line endings
    ["LF-only head", "GET / HTTP/1.1\nHost: a\n\n", 400, /bare LF/],
    ["bare LF between fields", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400, /bare LF in header field value/],
    ["bare LF ending the start line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, /bare LF/],
    ["bare LF before the final CRLF", "GET / HTTP/1.1\r\nHost: a\r\n\n\r\n\r\n", 400, /bare LF/],
    ["bare CR ending the start line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, /bare CR in start line/],
    ["bare CR in a value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, /bare CR in header field/],
    ["CR CR LF", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400, /bare CR/],
    // fields
    ["space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, /whitespace before colon/],
    ["tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, /whitespace before colon/],
    ["empty name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400, /empty header field name/],
    ["space in name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n", 400, /whitespace before colon/],
    ["non-token name", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n", 400, /0x28 in header field name/],
    ["NUL in name", "GET / HTTP/1.1\r\nHost: a\r\nX\x00: b\r\n\r\n", 400, /0x00 in header field name/],
    ["no colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, /line without colon/],
    ["NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, /0x00 in header field value/],
    ["DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400, /0x7f in header field value/],
    ["ESC in value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n", 400, /0x1b in header field value/],
    ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  continued\r\n\r\n", 400, /obs-fold/],
    ["obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tcontinued\r\n\r\n", 400, /obs-fold/],
    ["whitespace before first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, /obs-fold/],
    // Host
    ["HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400, /without Host/],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400, /more than one Host/],
    ["two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400, /more than one Host/],
    // Content-Length
    ["plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nabcde", 400, /invalid Content-Length "\+5"/],
    ["negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, /invalid Content-Length/],
    ["inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400, /invalid Content-Length/],
    ["comma list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nabcde", 400, /invalid Content-Length/],
    ["hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400, /invalid Content-Length/],
    ["empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400, /invalid Content-Length ""/],
    ["16 digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000\r\n\r\n", 400, /invalid Content-Length/],
    ["two identical", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nabcde", 400, /more than one Content-Length/],
    ["CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, /both Content-Length and Transfer-Encoding/],
    ["TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, /both Content-Length and Transfer-Encoding/],
    // Transfer-Encoding
    ["gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, /unsupported transfer coding "gzip, chunked"/],
    ["chunked, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 501, /"chunked, chunked"/],
    ["identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501, /"identity"/],
    ["xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501, /"xchunked"/],
    ["chunked;q=1", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 501, /"chunked;q=1"/],
    ["chunked with obs-text", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunk\xe9d\r\n\r\n", 501, /unsupported transfer coding/],
    ["empty TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400, /empty Transfer-Encoding/],
    ["two TE headers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, /more than one Transfer-Encoding/],
    ["TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, /Transfer-Encoding in an HTTP\/1.0 request/],
  ];
  for (const [name, text, status, message] of cases) it(`${name} → ${status}`, () => expectRejected("request", text, status, message));

  const chunked = (body: string): string => req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", body);
  const chunkCases: [string, string, RegExp][] = [
    ["leading space in size", " 3\r\nabc\r\n0\r\n\r\n", /0x20 in chunk size/],
    ["trailing space in size", "3 \r\nabc\r\n0\r\n\r\n", /0x20 in chunk size/],
    ["0x prefix", "0x3\r\nabc\r\n0\r\n\r\n", /0x78 in chunk size/],
    ["negative size", "-3\r\nabc\r\n0\r\n\r\n", /0x2d in chunk size/],
    ["empty size", "\r\nabc\r\n0\r\n\r\n", /bare CR in chunk size|0x0d/],
    ["13 hex digits", "0000000000003\r\nabc\r\n0\r\n\r\n", /longer than 12 hex digits/],
    ["bare LF after size", "3\nabc\r\n0\r\n\r\n", /bare LF in chunk size/],
    ["bare CR after size", "3\rabc\r\n0\r\n\r\n", /bare CR in chunk line/],
    ["empty extension", "3;\r\nabc\r\n0\r\n\r\n", /chunk extension name/],
    ["extension without name", "3;=v\r\nabc\r\n0\r\n\r\n", /chunk extension name/],
    ["space before extension", "3 ;a\r\nabc\r\n0\r\n\r\n", /0x20 in chunk size/],
    ["space in extension", "3; a\r\nabc\r\n0\r\n\r\n", /0x20 in chunk extension name/],
    ["empty extension value", "3;a=\r\nabc\r\n0\r\n\r\n", /chunk extension value/],
    ["unterminated quoted value", '3;a="x\r\nabc\r\n0\r\n\r\n', /bare CR in chunk extension quoted value/],
    ["junk after quoted value", '3;a="x"y\r\nabc\r\n0\r\n\r\n', /0x79 in chunk extension/],
    ["extension over 1 KiB", `3;a=${"b".repeat(1100)}\r\nabc\r\n0\r\n\r\n`, /chunk extensions longer than 1024 bytes/],
    ["data longer than size", "3\r\nabcd\r\n0\r\n\r\n", /chunk data not followed by CRLF/],
    ["data followed by bare LF", "3\r\nabc\n0\r\n\r\n", /chunk data not followed by CRLF/],
    ["invalid trailer name", "0\r\nBad Name: v\r\n\r\n", /whitespace before colon in trailer field name/],
    ["NUL in trailer value", "0\r\nT: a\x00\r\n\r\n", /0x00 in trailer field value/],
    ["obs-fold in trailers", "0\r\nT: a\r\n b\r\n\r\n", /obs-fold/],
    ["bare LF after last chunk", "0\r\n\n", /bare LF in trailer section/],
    ["junk after last chunk", "0\r\nxx\r\n\r\n", /trailer field line without colon/],
  ];
  for (const [name, body, message] of chunkCases) it(`chunked: ${name} → 400`, () => expectRejected("request", chunked(body), 400, message));

  it("accepts an extension of exactly 1 KiB", () => {
    const ext = `;a=${"b".repeat(1021)}`;
    expect(ext.length).toBe(1024);
    expect(parse("request", chunked(`3${ext}\r\nabc\r\n0\r\n\r\n`))[1]).toEqual({ body: "abc" });
  });

  it("is unusable after an error", () => {
    const parser = new Http1Parser("request", { onHead: () => {}, onBody: () => {}, onEnd: () => {} });
    expect(() => parser.execute(bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n"))).toThrow(HttpParseError);
    expect(() => parser.execute(bytes(get()))).toThrow(/whitespace before colon/);
  });
});

describe("Http1Parser: limits", () => {
  const headOf = (size: number): string => {
    const base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n";
    return base.replace("X: ", `X: ${"v".repeat(size - base.length)}`);
  };

  it("accepts a head of exactly maxHeadBytes and rejects one byte more with 431", () => {
    expect(firstHead(parse("request", headOf(65536))).headBytes).toBe(65536);
    expectRejected("request", headOf(65537), 431, /head larger than 65536 bytes/);
    expect(firstHead(parse("request", headOf(200), { limits: { maxHeadBytes: 200 } })).headBytes).toBe(200);
    expectRejected("request", headOf(201), 431, /larger than 200/, { limits: { maxHeadBytes: 200 } });
  });

  it("takes a near-limit head one byte at a time", () => {
    const data = bytes(headOf(65536));
    const { events } = run("request", splitAt(data, Array.from({ length: data.length }, (_, i) => i)));
    expect(firstHead(events).headers[3]!.length).toBe(65536 - 32);
  });

  it("cuts a slowly sent huge head before its end arrives", () => {
    const parser = new Http1Parser("request", { onHead: () => {}, onBody: () => {}, onEnd: () => {} }, { maxHeadBytes: 1000 });
    parser.execute(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: "));
    let fed = 0;
    const feed = (): void => {
      for (;;) {
        parser.execute(bytes("v".repeat(100)));
        fed += 100;
      }
    };
    expect(feed).toThrow(expect.objectContaining({ status: 431 }));
    expect(fed).toBeLessThan(1000);
  });

  it("rejects more than maxHeaderCount fields with 431", () => {
    const fields = (n: number): string => Array.from({ length: n - 1 }, (_, i) => `\r\nX-${i}: v`).join("");
    expect(firstHead(parse("request", get(fields(100)))).headers.length).toBe(200);
    expectRejected("request", get(fields(101)), 431, /more than 100 header fields/);
    expectRejected("request", get(fields(4)), 431, /more than 3 header fields/, { limits: { maxHeaderCount: 3 } });
  });

  it("bounds trailers by maxHeadBytes and maxHeaderCount", () => {
    const body = `0\r\nT: ${"t".repeat(300)}\r\n\r\n`;
    expectRejected("request", req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", body), 431, /trailer section larger than 200/, {
      limits: { maxHeadBytes: 200 },
    });
    expectRejected("request", req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), 431, /more than 2 trailer fields/, {
      limits: { maxHeaderCount: 2 },
    });
  });
});

describe("Http1Parser: responses", () => {
  it("parses a status line with and without a reason", () => {
    const head = firstHead(parse("response", "HTTP/1.1 404 Not  Found\r\nContent-Length: 0\r\n\r\n"));
    expect([head.status, head.reason, head.method, head.target, head.minor]).toEqual([404, "Not  Found", "", "", 1]);
    expect(firstHead(parse("response", "HTTP/1.0 200 \r\nContent-Length: 0\r\n\r\n")).reason).toBe("");
    expect(firstHead(parse("response", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")).reason).toBe("");
    expect(firstHead(parse("response", "HTTP/1.1 599 caf\xe9\t!\r\nContent-Length: 0\r\n\r\n")).reason).toBe("caf\xe9\t!");
  });

  const rejections: [string, string, number, RegExp][] = [
    ["status 99", "HTTP/1.1 099 x\r\n\r\n", 400, /malformed status code/],
    ["status 600", "HTTP/1.1 600 x\r\n\r\n", 400, /malformed status code/],
    ["two-digit status", "HTTP/1.1 20 x\r\n\r\n", 400, /malformed status code/],
    ["four-digit status", "HTTP/1.1 2000 x\r\n\r\n", 400, /malformed status code/],
    ["no status", "HTTP/1.1\r\n\r\n", 400, /malformed status code/],
    ["HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 505, /unsupported HTTP version/],
    ["malformed version", "HTTP/1.1x 200 OK\r\n\r\n", 400, /malformed HTTP version/],
    ["NUL in reason", "HTTP/1.1 200 O\x00K\r\n\r\n", 400, /0x00 in reason phrase/],
    ["bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", 400, /bare LF/],
    ["CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, /both Content-Length and Transfer-Encoding/],
    ["two CLs", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, /more than one Content-Length/],
    ["gzip TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 501, /unsupported transfer coding "gzip"/],
    ["TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, /Transfer-Encoding in an HTTP\/1.0 response/],
    ["obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", 400, /obs-fold/],
  ];
  for (const [name, text, status, message] of rejections) it(`${name} → ${status}`, () => expectRejected("response", text, status, message));

  it("delivers 1xx heads and ends, then the final response, without needing resume", () => {
    const events = parse("response", valid("1xx then final").text, { autoResume: false });
    expect(events.map((e) => ("head" in e ? e.head.status : "body" in e ? e.body : e.end))).toEqual([100, null, 103, null, 201, "ok", null]);
  });

  it("gives no body to 204, 304 and responses to HEAD", () => {
    const events = parse("response", valid("empty reason phrases").text);
    expect(events.map((e) => Object.keys(e)[0])).toEqual(["head", "end", "head", "end"]);
    const head = parse("response", valid("response to HEAD").text, valid("response to HEAD").options);
    expect(head.map((e) => ("head" in e ? e.head.status : "body" in e ? e.body : e.end))).toEqual([200, null, 404, "x", null]);
  });

  it("reads a response without length until finish() and marks it not reusable", () => {
    const { events, parser } = run("response", [bytes("HTTP/1.1 200 OK\r\n\r\nabc"), bytes("def")]);
    expect(firstHead(events).keepAlive).toBe(false);
    expect(parser.inMessage).toBe(true);
    parser.finish();
    expect(events.slice(1)).toEqual([{ body: "abcdef" }, { end: null }]);
    expect(parser.inMessage).toBe(false);
  });

  it("hands over the bytes after a 101 and stops parsing", () => {
    const { events, parser } = run("response", [bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00"), bytes("GET /")]);
    expect(firstHead(events).upgrade).toBe(true);
    expect(events.map((e) => Object.keys(e)[0])).toEqual(["head", "end"]);
    expect(parser.takeRemainder().toString("latin1")).toBe("\x81\x00GET /");
  });

  it("hands over the tunnel after a 2xx to CONNECT, but parses a refusal normally", () => {
    const ok = run("response", [bytes("HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03")], { answering: ["CONNECT"] });
    expect(ok.events.map((e) => Object.keys(e)[0])).toEqual(["head", "end"]);
    expect(ok.parser.takeRemainder()).toEqual(Buffer.from([0x16, 0x03]));
    const refused = parse("response", "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\nno", { answering: ["CONNECT"] });
    expect(refused.slice(1)).toEqual([{ body: "no" }, { end: null }]);
  });

  it("keeps expected methods in order for pipelined responses and across 1xx", () => {
    const text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    const events = parse("response", text, { answering: ["HEAD", "GET"] });
    expect(events.map((e) => ("head" in e ? e.head.status : "body" in e ? e.body : e.end))).toEqual([100, null, 200, null, 200, "abc", null]);
  });
});

describe("Http1Parser: flow control", () => {
  it("stops after each message and resumes with the buffered rest", () => {
    const { events, parser } = run("request", [bytes(valid("pipelined requests").text)], { autoResume: false });
    expect(heads(events).map((h) => h.target)).toEqual(["/"]);
    expect([parser.idle, parser.inMessage]).toEqual([false, false]);
    parser.resume();
    expect(heads(events).map((h) => h.target)).toEqual(["/", "/2"]);
    expect(events.at(-2)).toEqual({ body: "abc" });
    parser.resume();
    expect(heads(events).map((h) => h.target)).toEqual(["/", "/2", "/3"]);
    expect(events.at(-1)).toEqual({ end: null });
    expect([parser.idle, parser.inMessage]).toEqual([true, false]);
    parser.resume();
    expect(events.length).toBe(7);
  });

  it("pause() in onHead holds the body and end until resume()", () => {
    const seen: string[] = [];
    const parser: Http1Parser = new Http1Parser("request", {
      onHead: () => {
        seen.push("head");
        parser.pause();
      },
      onBody: (b) => seen.push(`body:${b.toString()}`),
      onEnd: () => seen.push("end"),
    });
    parser.execute(bytes(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6", "abc")));
    parser.execute(bytes("def"));
    expect(seen).toEqual(["head"]);
    expect(parser.inMessage).toBe(true);
    parser.resume();
    expect(seen).toEqual(["head", "body:abc", "body:def", "end"]);
  });

  it("pause() in onHead of a bodiless message holds onEnd", () => {
    const seen: string[] = [];
    const parser: Http1Parser = new Http1Parser("request", {
      onHead: () => {
        seen.push("head");
        parser.pause();
      },
      onBody: () => seen.push("body"),
      onEnd: () => seen.push("end"),
    });
    parser.execute(bytes(get()));
    expect(seen).toEqual(["head"]);
    parser.resume();
    expect(seen).toEqual(["head", "end"]);
  });

  it("pause() in onBody stops further body delivery", () => {
    const seen: string[] = [];
    const parser: Http1Parser = new Http1Parser("request", {
      onHead: () => {},
      onBody: (b) => {
        seen.push(b.toString());
        parser.pause();
      },
      onEnd: () => seen.push("end"),
    });
    parser.execute(bytes(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", "1\r\na\r\n1\r\nb\r\n0\r\n\r\n")));
    expect(seen).toEqual(["a"]);
    parser.resume();
    expect(seen).toEqual(["a", "b"]);
    parser.resume();
    expect(seen).toEqual(["a", "b", "end"]);
  });

  it("reports idle and inMessage through a message", () => {
    const parser = new Http1Parser("request", { onHead: () => {}, onBody: () => {}, onEnd: () => {} });
    expect([parser.idle, parser.inMessage]).toEqual([true, false]);
    parser.execute(bytes("\r\n"));
    expect([parser.idle, parser.inMessage]).toEqual([true, false]);
    parser.execute(bytes("GET / HT"));
    expect([parser.idle, parser.inMessage]).toEqual([false, true]);
    parser.execute(bytes("TP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"));
    expect([parser.idle, parser.inMessage]).toEqual([false, true]);
    parser.execute(bytes("ok"));
    expect([parser.idle, parser.inMessage]).toEqual([true, false]);
  });

  it("finish() is a no-op when idle and rejects an incomplete message", () => {
    const make = (): Http1Parser => new Http1Parser("request", { onHead: () => {}, onBody: () => {}, onEnd: () => {} });
    const idle = make();
    idle.execute(bytes(get()));
    expect(() => idle.finish()).not.toThrow();
    for (const partial of ["GET / HTTP/1.1\r\nHost:", req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5", "ab"), req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", "1\r\na\r\n")]) {
      const parser = make();
      parser.execute(bytes(partial));
      expect(() => parser.finish()).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(/ended mid-message/) }));
    }
  });

  it("finish() while stopped takes effect once the buffered messages have been resumed", () => {
    const { events, parser } = run("request", [bytes(`${get()}${req("GET /2 HTTP/1.1\r\nHost: a")}`)], { autoResume: false });
    parser.finish();
    expect(heads(events).length).toBe(1);
    parser.resume();
    expect(heads(events).length).toBe(2);
    const cut = run("request", [bytes(`${get()}GET /2 HTTP/1.1\r\n`)], { autoResume: false });
    cut.parser.finish();
    expect(() => cut.parser.resume()).toThrow(/ended mid-message/);
  });
});

describe("Http1Parser: chunk boundaries do not matter", () => {
  for (const message of VALID) {
    const data = bytes(message.text);
    const whole = run(message.kind, [data], message.options).events;

    it(`${message.name}: every single split and byte-at-a-time`, () => {
      expect(whole.length).toBeGreaterThan(0);
      for (let i = 0; i <= data.length; i++) expect(run(message.kind, splitAt(data, [i]), message.options).events).toEqual(whole);
      expect(run(message.kind, splitAt(data, Array.from({ length: data.length }, (_, i) => i)), message.options).events).toEqual(whole);
    });

    it(`${message.name}: random splits (fast-check)`, () => {
      const cuts = fc.uniqueArray(fc.integer({ min: 0, max: data.length }), { maxLength: 12 }).map((c) => c.sort((a, b) => a - b));
      fc.assert(
        fc.property(cuts, (c) => {
          expect(run(message.kind, splitAt(data, c), message.options).events).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("rejections keep their status however the bytes are split", () => {
    const samples: [Kind, string][] = [
      ["request", "GET / HTTP/1.1\nHost: a\n\n"],
      ["request", "GET / HTTP/1.1\r\nHost: a\r\n\n\r\n\r\n"],
      ["request", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"],
      ["request", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"],
      ["request", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"],
      ["request", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"x\r\nabc\r\n0\r\n\r\n"],
      ["request", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"],
      ["response", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT\r\n\r\n"],
    ];
    for (const [kind, text] of samples) {
      const data = bytes(text);
      const status = parseError(kind, [data]).status;
      for (let i = 0; i <= data.length; i++) expect(parseError(kind, splitAt(data, [i])).status).toBe(status);
      expect(parseError(kind, splitAt(data, Array.from({ length: data.length }, (_, i) => i))).status).toBe(status);
    }
  });

  it("arbitrary pipelines of valid requests parse the same in any chunking (fast-check)", () => {
    const message = fc.oneof(
      fc.constant(get()),
      fc.string({ maxLength: 20 }).map((body) => req(`POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}`, body)),
      fc.array(fc.stringMatching(/^[a-z]{1,20}$/), { maxLength: 4 }).map((parts) =>
        req("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked", `${parts.map((p) => `${p.length.toString(16)};e=1\r\n${p}\r\n`).join("")}0\r\n\r\n`),
      ),
    );
    const input = fc.array(message, { minLength: 1, maxLength: 5 }).chain((messages) => {
      const data = bytes(messages.join(""));
      return fc.tuple(fc.constant(data), fc.uniqueArray(fc.integer({ min: 0, max: data.length }), { maxLength: 10 }).map((c) => c.sort((a, b) => a - b)));
    });
    fc.assert(
      fc.property(input, ([data, cuts]) => {
        expect(run("request", splitAt(data, cuts)).events).toEqual(run("request", [data]).events);
      }),
      { numRuns: 300 },
    );
  });
});
