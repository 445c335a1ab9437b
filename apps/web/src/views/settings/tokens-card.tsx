"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { QueryError } from "../../components/query-error.tsx";
import { formatAgo } from "../../format/figures.ts";
import { useTRPC } from "../../trpc/trpc.ts";

/** Operator tokens: create (the secret is shown once), list, revoke. Admins only. */
export function TokensCard({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery({ ...trpc.tokens.list.queryOptions(), enabled: isAdmin });
  const [role, setRole] = useState<"viewer" | "editor" | "admin">("viewer");
  const [name, setName] = useState("");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: invalidate }));
  const joinToken = useMutation(trpc.tokens.createJoinToken.mutationOptions());
  // A join token registers one service only (issue 21): the holder of an unscoped one could join as anyone.
  const [joinService, setJoinService] = useState("");

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ role, name });
  }

  return (
    <section className="card stack" aria-labelledby="tokens-title">
      <div className="card-header" style={{ marginBottom: 0 }}>
        <h2 id="tokens-title">Operator tokens</h2>
        {!isAdmin && <span className="small muted">Only admins manage tokens.</span>}
      </div>
      <form className="row" onSubmit={submit} aria-label="Create token">
        <input className="input" aria-label="Token name" placeholder="name, e.g. ci-deploy" value={name} onChange={(e) => setName(e.target.value)} disabled={!isAdmin} required />
        <select className="select" aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as typeof role)} disabled={!isAdmin}>
          <option>viewer</option>
          <option>editor</option>
          <option>admin</option>
        </select>
        <button type="submit" className="button primary" disabled={!isAdmin || create.isPending}>
          Create token
        </button>
        <input className="input" aria-label="Join token service" placeholder="service, e.g. reviews" value={joinService} onChange={(e) => setJoinService(e.target.value)} disabled={!isAdmin} />
        <button
          type="button"
          className="button"
          disabled={!isAdmin || joinToken.isPending || !joinService.trim()}
          onClick={() => joinToken.mutate({ service: joinService.trim(), description: "from the dashboard", ttl: "24h" })}
        >
          New agent join token
        </button>
      </form>
      <QueryError error={create.error ?? revoke.error ?? joinToken.error ?? tokens.error} />
      {create.data && (
        <div className="notice success" role="status">
          Token for <strong>{create.data.name}</strong> ({create.data.role}) — copy it now, it is not shown again:
          <div className="mono" style={{ marginTop: 4, wordBreak: "break-all" }} data-testid="new-token">
            {create.data.token}
          </div>
        </div>
      )}
      {joinToken.data && (
        <div className="notice info" role="status">
          Join token for <strong>{joinToken.data.service}</strong> (expires {joinToken.data.expiresAt ? formatAgo(joinToken.data.expiresAt) : "never"}):{" "}
          <span className="mono" style={{ wordBreak: "break-all" }}>
            {joinToken.data.token}
          </span>
        </div>
      )}
      {isAdmin && (
        <table className="table" data-testid="token-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(tokens.data ?? []).map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <span className="badge">{t.role}</span>
                </td>
                <td className="muted">
                  {formatAgo(t.createdAt)} by {t.createdBy}
                </td>
                <td className="muted">{t.lastUsedAt ? formatAgo(t.lastUsedAt) : "never"}</td>
                <td className="num">
                  {t.revokedAt ? (
                    <span className="badge bad">revoked</span>
                  ) : (
                    <button type="button" className="button small danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: t.id })}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
