"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useSession } from "../../session/session-context.tsx";

const NAV = [
  { href: "/", label: "Overview" },
  { href: "/graph", label: "Graph" },
  { href: "/services", label: "Services" },
  { href: "/splits", label: "Traffic splits" },
  { href: "/traces", label: "Traces" },
  { href: "/policies", label: "Policies" },
  { href: "/logs", label: "Logs" },
  { href: "/history", label: "History" },
  { href: "/settings", label: "Settings" },
];

function isCurrent(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function Sidebar() {
  const pathname = usePathname();
  const router = useRouter();
  const session = useSession();
  // Below 1024 px the sidebar folds away behind a Menu button (CSS decides when; this only opens and closes it).
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const close = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [open]);

  async function logout() {
    await fetch("/auth/logout", { method: "POST" });
    router.replace("/login");
    router.refresh();
  }

  return (
    <>
      <div className="topbar">
        <button type="button" className="button small" aria-expanded={open} aria-controls="sidebar" onClick={() => setOpen(!open)}>
          {open ? "Close menu" : "Menu"}
        </button>
        <span className="brand">Mesh</span>
      </div>
      {open && <div className="sidebar-backdrop" onClick={() => setOpen(false)} aria-hidden />}
      <aside className={`sidebar${open ? " open" : ""}`} id="sidebar">
        <Link href="/" className="brand" style={{ textDecoration: "none" }}>
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          Mesh
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} aria-current={isCurrent(pathname, item.href) ? "page" : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="sidebar-footer">
          <div className="who" data-testid="whoami">
            <span className="who-name">{session.name}</span>
            <span className="muted small">{session.role}</span>
          </div>
          <button className="button small" type="button" onClick={logout}>
            Sign out
          </button>
        </div>
      </aside>
    </>
  );
}
