import type { Metadata } from "next";
import { LogsView } from "../../../views/logs/logs-view.tsx";

export const metadata: Metadata = { title: "Logs" };

export default function LogsPage() {
  return <LogsView />;
}
