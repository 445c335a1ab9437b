import type { Metadata } from "next";
import { ServicesView } from "../../../views/services/services-view.tsx";

export const metadata: Metadata = { title: "Services" };

export default function ServicesPage() {
  return <ServicesView />;
}
