"use client";
import { PageHeader } from "../../components/page-header.tsx";
import { useCan } from "../../session/session-context.tsx";
import { CertificatesCard } from "./certificates-card.tsx";
import { MeshConfigCard } from "./mesh-config-card.tsx";
import { TokensCard } from "./tokens-card.tsx";

export function SettingsView() {
  const isAdmin = useCan("admin");
  return (
    <>
      <PageHeader title="Settings" description="Tokens, the certificate authority and mesh-wide security settings." />
      <MeshConfigCard isAdmin={isAdmin} />
      <div className="grid grid-2">
        <TokensCard isAdmin={isAdmin} />
        <CertificatesCard />
      </div>
    </>
  );
}
