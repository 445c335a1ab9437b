"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";

/** Where to go after signing in: `?next=` when it is a path on this site, else the overview. */
function nextPath(search: string): string | null {
  const next = new URLSearchParams(search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : null;
}

export function LoginForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [returnTo, setReturnTo] = useState<string | null>(null);
  useEffect(() => setReturnTo(nextPath(window.location.search)), []);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get("token") ?? "");
    setPending(true);
    setError(null);
    const response = await fetch("/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) }).catch(() => null);
    if (response?.ok) {
      router.replace(returnTo ?? "/");
      router.refresh();
      return;
    }
    const body = (await response?.json().catch(() => null)) as { error?: string } | null;
    setError(body?.error ?? "could not reach the dashboard server");
    setPending(false);
  }

  return (
    <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◆
        </span>
        Mesh
      </div>
      <div>
        <h1 id="login-title">Sign in</h1>
        <p className="muted" style={{ margin: "4px 0 0" }}>
          Paste an operator token (<code>mesh token create --role viewer</code>).
        </p>
      </div>
      {returnTo && (
        <div className="notice info" role="status" data-testid="session-ended">
          Your session has ended (the token was revoked or expired). Sign in again to go back to <code>{returnTo}</code>.
        </div>
      )}
      <label className="field">
        Token
        <input className="input" name="token" type="password" autoComplete="off" autoFocus required placeholder="mesh_op_…" />
      </label>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
      <button className="button primary" type="submit" disabled={pending}>
        {pending ? "Checking…" : "Sign in"}
      </button>
    </form>
  );
}
