import { StrictMode, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { api, ApiError, setToken, type Me } from "./api.js";
import { Link } from "./components/link.js";
import { Async } from "./components/states.js";
import { useApi } from "./components/use-api.js";
import { AnomaliesPage } from "./pages/anomalies.js";
import { CommitmentsPage } from "./pages/commitments.js";
import { ExplorerPage } from "./pages/explorer.js";
import { GovernancePage } from "./pages/governance.js";
import { KpisPage } from "./pages/kpis.js";
import { OverviewPage } from "./pages/overview.js";
import { RecommendationsPage } from "./pages/recommendations.js";
import { ReviewsPage } from "./pages/reviews.js";
import { SourcesPage } from "./pages/sources.js";
import { TagsPage } from "./pages/tags.js";
import { TeamsPage } from "./pages/teams.js";
import { UnitCostsPage } from "./pages/unit-costs.js";
import { navigate, useLocation } from "./router.js";
import "./styles.css";

interface PageDef {
  path: string;
  title: string;
  /** Team-bound tokens see only pages built on allocated costs. */
  team: boolean;
  render: (search: URLSearchParams) => ReactNode;
}

/** The routes: one page per path (pages/<route>.tsx), in the side bar's order. */
export const PAGES: PageDef[] = [
  { path: "/", title: "Overview", team: true, render: (s) => <OverviewPage search={s} /> },
  { path: "/explorer", title: "Explorer", team: false, render: (s) => <ExplorerPage search={s} /> },
  { path: "/teams", title: "Teams", team: true, render: (s) => <TeamsPage search={s} /> },
  { path: "/tags", title: "Tag coverage", team: false, render: (s) => <TagsPage search={s} /> },
  { path: "/anomalies", title: "Anomalies", team: false, render: (s) => <AnomaliesPage search={s} /> },
  { path: "/recommendations", title: "Recommendations", team: true, render: (s) => <RecommendationsPage search={s} /> },
  { path: "/commitments", title: "Commitments", team: false, render: (s) => <CommitmentsPage search={s} /> },
  { path: "/governance", title: "Governance", team: true, render: (s) => <GovernancePage search={s} /> },
  { path: "/unit-costs", title: "Unit costs", team: false, render: () => <UnitCostsPage /> },
  { path: "/kpis", title: "KPIs", team: false, render: () => <KpisPage /> },
  { path: "/reviews", title: "Reviews", team: false, render: (s) => <ReviewsPage search={s} /> },
  { path: "/sources", title: "Sources", team: true, render: () => <SourcesPage /> },
];

function TokenForm({ message }: { message: string }) {
  const [t, setT] = useState("");
  return (
    <div className="login card">
      <h1>costwise</h1>
      <p>{message}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(t.trim());
          location.reload();
        }}
      >
        <input type="password" placeholder="cw_…" value={t} onChange={(e) => setT(e.target.value)} aria-label="API token" autoFocus />
        <button type="submit">Sign in</button>
      </form>
      <p className="muted small">Tokens come from <code>costwise token create</code>; this tab keeps it until you close it.</p>
    </div>
  );
}

function App() {
  const { path, search } = useLocation();
  const me = useApi(() => api<Me>("/api/v1/me"), "me");
  if (me.state === "error" && me.error instanceof ApiError && me.error.problem.status === 401) {
    return <TokenForm message={me.error.problem.detail} />;
  }
  const page = PAGES.find((p) => p.path === path);
  return (
    <div className="layout">
      <nav className="side">
        <div className="brand" onClick={() => navigate("/")}>
          costwise
        </div>
        {PAGES.map((p) => (
          <Link key={p.path} to={p.path} className={p.path === path ? "active" : ""}>
            {p.title}
          </Link>
        ))}
        <div className="who">
          <Async value={me}>
            {(m) => (
              <>
                {m.kind === "local" ? "local (no tokens)" : `${m.name} · ${m.role}`}
                {m.team ? <div>team {m.team}</div> : null}
                {m.kind === "token" ? (
                  <button
                    className="link"
                    onClick={() => {
                      setToken(null);
                      location.reload();
                    }}
                  >
                    sign out
                  </button>
                ) : null}
              </>
            )}
          </Async>
        </div>
      </nav>
      <main className="content" data-page={page?.path ?? "404"}>
        {me.state === "ok" && me.data.team && page && !page.team ? (
          <div className="state empty" data-state="empty">
            <strong>{page.title} is organisation-wide</strong>
            <p>
              Your token is bound to team {me.data.team}: it sees that team's allocated costs and findings only (
              {PAGES.filter((p) => p.team)
                .map((p) => p.title)
                .join(", ")}
              ).
            </p>
          </div>
        ) : page ? (
          page.render(search)
        ) : (
          <div className="state empty">
            <strong>No page at {path}</strong>
          </div>
        )}
      </main>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
