// The console's entry: signs in, then shows the page the path names inside the navigation shell.
import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from "./api";
import { Link, navigate, usePath } from "./router";
import { SessionContext, type Session } from "./session";
import type { Me } from "./types";
import { SignIn } from "./pages/SignIn";
import { Clusters } from "./pages/Clusters";
import { Components } from "./pages/Components";
import { Jobs } from "./pages/Jobs";
import { JobDetail } from "./pages/JobDetail";
import { Tasks } from "./pages/Tasks";
import { Users } from "./pages/Users";
import { Roles } from "./pages/Roles";
import { Audit } from "./pages/Audit";
import { Tokens } from "./pages/Tokens";
import { Account } from "./pages/Account";
import { Analytics } from "./pages/Analytics";
import "./style.css";

const sections: [string, string][] = [
  ["/clusters", "Clusters"],
  ["/schedulers", "Schedulers"],
  ["/seed-peers", "Seed peers"],
  ["/hosts", "Hosts"],
  ["/jobs", "Jobs"],
  ["/tasks", "Tasks"],
  ["/analytics", "Analytics"],
  ["/users", "Users"],
  ["/roles", "Roles"],
  ["/audit", "Audit"],
  ["/tokens", "Access tokens"],
  ["/account", "Account"],
];

function Page({ path }: { path: string }) {
  const job = path.match(/^\/jobs\/(\d+)$/);
  if (job) return <JobDetail id={Number(job[1])} />;
  switch (path) {
    case "/clusters":
      return <Clusters />;
    case "/schedulers":
      return <Components kind="schedulers" />;
    case "/seed-peers":
      return <Components kind="seed-peers" />;
    case "/hosts":
      return <Components kind="hosts" />;
    case "/jobs":
      return <Jobs />;
    case "/tasks":
      return <Tasks />;
    case "/analytics":
      return <Analytics />;
    case "/users":
      return <Users />;
    case "/roles":
      return <Roles />;
    case "/audit":
      return <Audit />;
    case "/tokens":
      return <Tokens />;
    case "/account":
      return <Account />;
    default:
      return <p>No such page. <Link href="/clusters">Clusters</Link></p>;
  }
}

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | undefined>(undefined);  // undefined: not known yet

  const reload = useCallback(async () => {
    try {
      const m = await api<Me>("GET", "/api/v1/users/me");
      setCsrfToken(m.csrf_token);
      setMe(m);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else throw e;
    }
  }, []);
  useEffect(() => {
    setUnauthorizedHandler(() => setMe(null));
    reload().catch(() => setMe(null));
  }, [reload]);
  useEffect(() => {
    if (me && (path === "/" || path === "/signin")) navigate("/clusters");
  }, [me, path]);

  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={reload} />;

  const session: Session = {
    me,
    reload,
    signOut: async () => {
      await api("POST", "/api/v1/users/signout").catch(() => undefined);
      setCsrfToken("");
      setMe(null);
      navigate("/");
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <strong>Dragonfly</strong>
        <span className="who">
          {me.name} ({me.roles.join(", ") || "no role"})
        </span>
        <button onClick={session.signOut}>Sign out</button>
      </header>
      <div className="shell">
        <nav className="side" aria-label="sections">
          {sections.map(([href, label]) => (
            <Link key={href} href={href} aria-current={path.startsWith(href) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <main id="content" tabIndex={-1}>
          <Page path={path} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
