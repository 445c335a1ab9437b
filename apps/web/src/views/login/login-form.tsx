"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

export function LoginForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get("token") ?? "");
    setPending(true);
    setError(null);
    const response = await fetch("/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) }).catch(() => null);
    if (response?.ok) {
      router.replace("/");
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
