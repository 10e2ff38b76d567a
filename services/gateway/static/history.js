// History: the candidate's sessions, newest first, with replay, and their progress as trend charts.
import { api, identity, scoring } from "/api.js";
import { $, el, fill, score, date, plural, CATEGORIES } from "/dom.js";
import { lineChart } from "/charts.js";
import { screen } from "/nav.js";

const STATUS = {
  generating_questions: "Preparing questions", ready: "In progress", finished: "Being analysed",
  completed: "Completed", failed: "Failed",
};

// Progress metric -> the scoring table's metric whose band is its target, and the factor to its unit.
const BANDS = { pace: ["pace_wpm", 1], filler_rate: ["fillers_per_min", 1], long_pauses: ["long_pauses_per_min", 1],
                eye_contact: ["eye_contact_ratio", 100] };

let older = null;

export async function showHistory() {
  fill($("#charts"));
  fill($("#history-list"));
  $("#history-more").hidden = true;
  $("#history-status").textContent = "Loading…";
  screen("history", "Your interviews");
  const me = await identity();
  if (!me.authenticated) {
    const status = $("#history-status");
    if (me.auth_mode === "oidc") {
      fill(status, "Sign in to see your interviews and progress. ",
        el("a", { href: "/auth/login?next=%2Fhistory" }, "Sign in"));
    } else {
      status.textContent = "This server keeps no history for this browser: each interview is reachable only from the tab that started it.";
    }
    return;
  }
  let list, progress;
  try {
    [list, progress] = await Promise.all([api("/api/sessions?limit=20"), api("/api/progress")]);
  } catch (err) {
    $("#history-status").textContent = `Could not load your history: ${err.message}`;
    return;
  }
  const table = await scoring();
  $("#history-status").textContent = list.sessions.length
    ? `${plural(list.sessions.length, "interview")}${list.next_before ? " shown" : ""}; progress over ${plural(progress.sessions, "completed session")}.`
    : "No interviews yet. Set one up to start practising.";
  renderCharts(progress, table);
  appendSessions(list);
}

function band(metric, table) {
  const ref = BANDS[metric];
  if (!ref || !table) return null;
  const m = table.metrics.find((x) => x.id === ref[0]);
  return m && m.band ? m.band.ok.map((v) => v * ref[1]) : null;
}

function renderCharts(progress, table) {
  const box = $("#charts");
  const measured = progress.metrics.filter((s) => s.points.length);
  if (!measured.length) {
    fill(box, el("p", { class: "muted" }, "Charts appear once an interview is completed."));
    return;
  }
  fill(box, measured.map((s) => lineChart(s, band(s.metric, table))));
  const missing = progress.metrics.filter((s) => !s.points.length).map((s) => s.label);
  if (missing.length) box.append(el("p", { class: "muted wide" }, `Not measured yet: ${missing.join(", ")}.`));
}

function appendSessions(list) {
  older = list.next_before;
  $("#history-more").hidden = !older;
  $("#history-list").append(...list.sessions.map(item));
}

function item(s) {
  const done = s.status === "completed" || s.status === "finished" || s.status === "failed";
  const href = done ? `/sessions/${s.session_id}/results` : `/sessions/${s.session_id}`;
  const scores = s.scores
    ? el("p", { class: "scores" }, "Overall ", el("strong", {}, score(s.scores.overall)),
      CATEGORIES.map(([k, label]) => ` · ${label.toLowerCase()} ${score(s.scores[k])}`))
    : null;
  return el("li", { class: "session-item", "data-session": s.session_id },
    el("h3", {}, el("a", { href, "data-nav": true }, `${s.role}`),
      el("span", { class: "muted" }, ` · ${s.interview_type} · ${s.level} · ${s.duration_min} min`)),
    el("p", {}, el("time", { datetime: s.created_at }, date(s.created_at)), " · ", el("span", { class: `status ${s.status}` }, STATUS[s.status] || s.status),
      ` · ${s.questions_answered} of ${plural(s.questions_total, "question")} answered`,
      s.has_job_description ? " · matched to a job description" : ""),
    scores,
    el("p", {}, el("a", { href, "data-nav": true, "aria-label": `${done ? "Results and replay" : "Continue"}: ${s.role}, ${date(s.created_at)}` },
      done ? "Results and replay" : "Continue this interview")),
  );
}

$("#history-more").addEventListener("click", async () => {
  if (!older) return;
  try {
    appendSessions(await api(`/api/sessions?limit=20&before=${encodeURIComponent(older)}`));
  } catch (err) {
    $("#history-status").textContent = `Could not load more: ${err.message}`;
  }
});
