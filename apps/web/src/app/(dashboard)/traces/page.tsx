import type { Metadata } from "next";
import { TracesView } from "../../../views/traces/traces-view.tsx";

export const metadata: Metadata = { title: "Traces" };

export default function TracesPage() {
  return <TracesView />;
}
