import type { Metadata } from "next";
import { PoliciesView } from "../../../views/policies/policies-view.tsx";

export const metadata: Metadata = { title: "Policies" };

export default function PoliciesPage() {
  return <PoliciesView />;
}
