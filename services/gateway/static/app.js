// Entry point: one URL per screen, so reload and Back land where the candidate was.
//   /                         set up a new interview
//   /sessions/{id}?q=N        the interview, at question N (answered questions stay answered)
//   /sessions/{id}/results    results, replay, practise again
//   /history                  past sessions and progress charts
// The gateway answers these paths with this page (services/gateway/ui.py: SCREENS).
import { api, identity } from "/api.js";
import { $, el, fill } from "/dom.js";
import { navigate, setRouter } from "/nav.js";
import { showSetup, showSession, leaveSession } from "/interview.js";
import { showResults, leaveResults } from "/results.js";
import { showHistory } from "/history.js";

const ROUTES = [
  [/^\/$/, () => showSetup()],
  [/^\/history$/, () => showHistory()],
  [/^\/sessions\/([0-9a-f]{32})$/, (id) => showSession(id)],
  [/^\/sessions\/([0-9a-f]{32})\/results$/, (id) => showResults(id)],
];

async function route() {
  leaveSession();
  leaveResults();
  for (const [pattern, show] of ROUTES) {
    const m = location.pathname.match(pattern);
    if (m) return show(...m.slice(1));
  }
  return navigate("/", { replace: true });
}

// ---------------------------------------------------------------- identity
async function showIdentity() {
  const me = await identity();
  const box = $("#identity");
  const params = new URLSearchParams(location.search);
  if (params.has("auth_error")) {
    fill(box, el("p", { class: "error", role: "alert" }, `Sign-in failed (${params.get("auth_error")}). Please try again.`));
  }
  if (me.auth_mode === "oidc" && !me.authenticated) {
    const next = encodeURIComponent(location.pathname + location.search);
    box.append(el("a", { href: `/auth/login?next=${next}`, class: "button" }, "Sign in"));
  } else if (me.kind === "oidc") {
    const out = el("button", { type: "button", class: "secondary" }, "Sign out");
    out.addEventListener("click", async () => {
      const res = await api("/auth/logout", { method: "POST" }).catch(() => null);
      location.assign(res && res.end_session_url ? res.end_session_url : "/");
    });
    box.append(el("span", { class: "muted" }, `Signed in as ${me.name || "you"}`), " ", out);
  }
}

document.addEventListener("click", (ev) => {
  // Links inside the app change the screen without reloading the page.
  const link = ev.target.closest("a[data-nav]");
  if (!link || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => route());
setRouter(route);

(async () => {
  await showIdentity();
  await route();
})();
