"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
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

  async function logout() {
    await fetch("/auth/logout", { method: "POST" });
    router.replace("/login");
    router.refresh();
  }

  return (
    <aside className="sidebar">
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
  );
}
