import type { Metadata } from "next";
import { GraphView } from "../../../views/graph/graph-view.tsx";

export const metadata: Metadata = { title: "Graph" };

export default function GraphPage() {
  return <GraphView />;
}
