"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { useTRPC } from "../../trpc/trpc.ts";
import { SplitEditor } from "./split-editor.tsx";

/** Every service with more than one version (or a weighted policy), each with its split editor. */
export function SplitsView() {
  const trpc = useTRPC();
  const services = useQuery(trpc.services.list.queryOptions());
  // Polled, so a change made elsewhere while someone edits shows in their editor before they apply.
  const policies = useQuery({ ...trpc.resources.get.queryOptions({ kind: "TrafficPolicy" }), refetchInterval: 5_000 });
  const policyOf = (name: string) => {
    const found = policies.data?.find((p) => p.kind === "TrafficPolicy" && p.metadata.name === name);
    return found?.kind === "TrafficPolicy" ? found.spec : null;
  };
  const splittable = (services.data ?? []).filter((s) => s.versions.length > 1 || (policyOf(s.name)?.routes?.some((r) => r.backends.length > 1) ?? false));
  return (
    <>
      <PageHeader title="Traffic splits" description="Shift traffic between versions: drag a weight and the others follow so the total stays 100%." />
      <QueryError error={services.error ?? policies.error} />
      {services.data && policies.data && splittable.length === 0 && (
        <div className="card empty">No service has more than one version yet. Start a second version (mesh-agent --version v2) to split traffic.</div>
      )}
      {services.data &&
        policies.data &&
        splittable.map((service) => (
          <section key={service.name} className="card" aria-labelledby={`split-${service.name}`}>
            <div className="card-header">
              <h2 id={`split-${service.name}`}>
                <Link href={`/services/${service.name}`}>{service.name}</Link>
              </h2>
              <span className="small muted">{service.versions.join(" · ")}</span>
            </div>
            <SplitEditor service={service.name} versions={service.versions} trafficPolicy={policyOf(service.name)} />
          </section>
        ))}
    </>
  );
}
