import { appRouter } from "../../src/root.ts";

export type ProcedureType = "query" | "mutation" | "subscription";

/** Every procedure of the real router with its type, read from the router itself so new ones are covered too. */
export function routerProcedures(): { path: string; type: ProcedureType }[] {
  // At run time the router keeps every procedure under its dotted path here (its static type nests them).
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } }>;
  return Object.entries(procedures).map(([path, procedure]) => ({ path, type: procedure._def.type }));
}

export interface RawAnswer {
  status: number;
  /** tRPC's error code (FORBIDDEN, UNAUTHORIZED, …) when the answer is an error. */
  code: string | null;
  message: string | null;
  body: string;
}

/** Calls a procedure over plain HTTP the way tRPC's httpLink does (mutation: POST JSON; query: GET ?input=), with exactly `headers`. */
export async function callRaw(baseUrl: string, path: string, type: ProcedureType, input: unknown, headers: Record<string, string>): Promise<RawAnswer> {
  const encoded = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response =
    type === "mutation"
      ? await fetch(`${baseUrl}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(input ?? null) })
      : await fetch(`${baseUrl}/trpc/${path}${encoded}`, { headers: type === "subscription" ? { accept: "text/event-stream", ...headers } : headers, signal: AbortSignal.timeout(10_000) });
  // tRPC answers a subscription with an event stream (200) whose `serialized-error` event carries a refusal.
  const streamed = type === "subscription" && response.ok;
  const body = streamed ? await firstEvent(response) : await response.text();
  const error = streamed ? (/^event: serialized-error$/m.test(body) ? parseJson(/^data: (.*)$/m.exec(body)?.[1]) : undefined) : parseJson(body)?.error;
  return { status: response.status, code: error?.data?.code ?? null, message: error?.message ?? null, body };
}

type ErrorBody = { message?: string; data?: { code?: string } };

/** Parsed JSON, or undefined for a plain-text answer (reported by its status alone). */
function parseJson(text: string | undefined): (ErrorBody & { error?: ErrorBody }) | undefined {
  try {
    return JSON.parse(text ?? "") as ErrorBody & { error?: ErrorBody };
  } catch {
    return undefined;
  }
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The stream up to its first event that is not a connection or ping event, then the stream is closed. */
async function firstEvent(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
      const events = text.split("\n\n").filter((event) => event.trim() && !/^event: (connected|ping)$/m.test(event));
      if (text.includes("\n\n") && events.length > 0) return events[0]!;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
