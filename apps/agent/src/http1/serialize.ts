import { STATUS_CODES } from "node:http";

/** Heads are built as one latin1 string and written with the body bytes in hand in one syscall (see cork in the callers). */
export function requestHead(method: string, target: string, headers: readonly string[]): string {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

const statusLines = new Map<number, string>();

export function responseHead(status: number, headers: readonly string[]): string {
  let head = statusLines.get(status);
  if (head === undefined) {
    head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    statusLines.set(status, head);
  }
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

const CRLF = Buffer.from("\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** One chunk of a chunked body, as the three writes a corked socket sends in one. */
export function writeChunk(socket: { write(data: string | Buffer, encoding?: BufferEncoding): boolean }, data: Buffer): boolean {
  if (data.length === 0) return true;
  socket.write(`${data.length.toString(16)}\r\n`, "latin1");
  socket.write(data);
  return socket.write(CRLF);
}

export function writeLastChunk(socket: { write(data: Buffer): boolean }): boolean {
  return socket.write(LAST_CHUNK);
}
