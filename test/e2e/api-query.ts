/** A tRPC query over plain HTTP (httpLink's wire format), for tests that stand outside the workspace packages. */
export async function apiQuery<T>(apiUrl: string, token: string, procedure: string, input?: unknown): Promise<T> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(`${apiUrl}/trpc/${procedure}${query}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
  if (!response.ok || !body.result) throw new Error(`${procedure}: ${response.status} ${body.error?.message ?? ""}`);
  return body.result.data;
}
