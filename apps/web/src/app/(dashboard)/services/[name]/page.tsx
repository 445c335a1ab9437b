import type { Metadata } from "next";
import { ServiceDetailView } from "../../../../views/services/service-detail-view.tsx";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ServicePage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <ServiceDetailView name={name} />;
}
