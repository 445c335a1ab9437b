import type { Metadata } from "next";
import { serverApi, sessionToken } from "../../../session/server-api.ts";
import { DEFAULT_GRAPH_RANGE_SECONDS, GraphView } from "../../../views/graph/graph-view.tsx";

export const metadata: Metadata = { title: "Graph" };

/** The first graph is fetched here, beside the page, so the browser lays it out as soon as the code runs. */
export default async function GraphPage() {
  const token = await sessionToken();
  const to = Date.now();
  const window = { from: to - DEFAULT_GRAPH_RANGE_SECONDS * 1000, to };
  const graph = token ? await serverApi(token).metrics.graph.query(window).catch(() => null) : null;
  return <GraphView initial={graph ? { window, graph } : null} />;
}
