import type { Metadata } from "next";
import { SplitsView } from "../../../views/splits/splits-view.tsx";

export const metadata: Metadata = { title: "Traffic splits" };

export default function SplitsPage() {
  return <SplitsView />;
}
