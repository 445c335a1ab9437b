"use client";
import { useQuery } from "@tanstack/react-query";
import { QueryError } from "../../components/query-error.tsx";
import { formatAgo, formatDateTime } from "../../format/figures.ts";
import { useTRPC } from "../../trpc/trpc.ts";

/** The mesh's root CA and the certificates it issued to agents recently. */
export function CertificatesCard() {
  const trpc = useTRPC();
  const ca = useQuery(trpc.certificates.ca.queryOptions());
  const issued = useQuery(trpc.certificates.list.queryOptions({ limit: 10 }));
  return (
    <section className="card stack" aria-labelledby="ca-title">
      <h2 id="ca-title">Certificate authority</h2>
      <QueryError error={ca.error ?? issued.error} />
      {ca.data && (
        <dl className="facts" data-testid="ca-info">
          <dt>Trust domain</dt>
          <dd>{ca.data.trustDomain}</dd>
          <dt>Valid</dt>
          <dd>
            {formatDateTime(ca.data.notBefore)} → {formatDateTime(ca.data.notAfter)}
          </dd>
          <dt>SHA-256</dt>
          <dd className="mono small">{ca.data.fingerprintSha256}</dd>
          <dt>Key kept in</dt>
          <dd>{ca.data.keySource}</dd>
        </dl>
      )}
      <h3>Recently issued</h3>
      {issued.data && issued.data.length === 0 ? (
        <p className="small muted" style={{ margin: 0 }}>
          No agent certificates issued yet.
        </p>
      ) : (
        <table className="table small">
          <thead>
            <tr>
              <th>Identity</th>
              <th>Issued</th>
              <th>Expires</th>
            </tr>
          </thead>
          <tbody>
            {(issued.data ?? []).map((c) => (
              <tr key={c.serial}>
                <td className="mono">{c.identity}</td>
                <td className="muted">{formatAgo(c.issuedAt)}</td>
                <td>{c.expired ? <span className="badge bad">expired</span> : formatDateTime(c.notAfter)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
