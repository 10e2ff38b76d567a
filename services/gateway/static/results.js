// Results: scores with what they are based on, per-answer evidence (video with a clickable timeline,
// transcript with fillers marked), the attempt comparison, practise again and retry analysis.
import { api, forgetToken, raw, scoring } from "/api.js";
import { $, el, fill, announce, score, date, plural, CATEGORIES } from "/dom.js";
import { loadVideo } from "/media.js";
import { ask, navigate, screen } from "/nav.js";

let watching = null; // AbortController of the live-progress stream
let current = null; // session id on screen
let shown = ""; // what was last rendered, so unchanged progress does not reload the videos

export function leaveResults() {
  if (watching) watching.abort();
  watching = null;
  current = null;
  shown = "";
}

export async function showResults(sid) {
  current = sid;
  fill($("#overall"));
  fill($("#categories"));
  fill($("#session-feedback"));
  fill($("#answers"));
  $("#results-basis").textContent = "";
  $("#results-role").textContent = "";
  $("#results-status").textContent = "Loading…";
  screen("results", "Your results");
  let view;
  try {
    view = await api(`/api/sessions/${sid}`, { session: sid });
  } catch (err) {
    $("#results-status").textContent = err.status === 404
      ? "This interview was not found: it was deleted, or it belongs to another browser or account."
      : err.message;
    return;
  }
  const r = view.request;
  $("#results-role").textContent = `${r.role} · ${r.interview_type} · ${r.level} · ${date(view.created_at)}`;
  if (await refresh(sid, view) !== "settled") watch(sid);
}

/** Render the latest results; "settled" once nothing is pending any more. */
async function refresh(sid, view = null) {
  const [v, results] = await Promise.all([
    view ? Promise.resolve(view) : api(`/api/sessions/${sid}`, { session: sid }),
    api(`/api/sessions/${sid}/results`, { session: sid }),
  ]);
  if (current !== sid) return "settled";
  const pending = Object.values(results.answers).some((a) => a.status !== "scored" && a.status !== "failed");
  const key = JSON.stringify([results.status, results.scores, results.based_on, results.answers]);
  if (key !== shown) {
    shown = key;
    await render(sid, v, results);
  }
  return results.status === "completed" && !pending ? "settled" : "pending";
}

function watch(sid) {
  // Server-Sent Events say when something changed; fetch() streams them so a session token can travel in a header.
  const ctl = new AbortController();
  watching = ctl;
  (async () => {
    const res = await raw(`/api/sessions/${sid}/events`, sid).catch(() => null);
    if (!res) throw new Error("no event stream");
    const reader = res.body.getReader();
    ctl.signal.addEventListener("abort", () => reader.cancel().catch(() => {}));
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || ctl.signal.aborted) break;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split("\n\n");
      buffer = events.pop();
      if (events.some((e) => e.includes("event: deleted"))) { navigate("/history", { replace: true }); return; }
      if (events.some((e) => e.includes("event: session")) && (await refresh(sid)) === "settled") {
        reader.cancel().catch(() => {});
        break;
      }
    }
  })().catch(async () => {
    // No stream (proxy, old server): poll instead.
    while (!ctl.signal.aborted && (await refresh(sid).catch(() => "pending")) !== "settled") {
      await new Promise((r) => setTimeout(r, 2000));
    }
  });
}

/** Per question: its attempts, oldest first. */
function attemptsByQuestion(results) {
  const by = {};
  for (const [aid, a] of Object.entries(results.answers)) (by[a.question_id] ||= []).push({ id: aid, ...a });
  for (const list of Object.values(by)) list.sort((x, y) => x.attempt - y.attempt);
  return by;
}

async function render(sid, view, results) {
  const table = await scoring();
  const done = results.status === "completed";
  const by = attemptsByQuestion(results);
  const total = view.questions.length;
  const analysed = Object.values(by).filter((l) => ["scored", "failed"].includes(l[l.length - 1].status)).length;
  const answered = Object.keys(by).length;
  const status = {
    completed: "Analysis complete.",
    failed: `The analysis failed${view.error ? `: ${view.error.message}` : "."}`,
    ready: "This interview takes answers again: record them, then finish it to update these results.",
  }[results.status] || `Analysing your answers… ${analysed} of ${answered} analysed.`;
  $("#results-status").textContent = status;
  if (done) announce(status);
  const basis = results.based_on || { questions_answered: Object.values(by).filter((l) => l.some((a) => a.status === "scored")).length, questions_total: total };
  $("#results-basis").textContent = done
    ? `Based on ${basis.questions_answered} of ${plural(basis.questions_total, "question")}` +
      (basis.questions_answered < basis.questions_total ? "; unanswered questions are not scored." : ".")
    : "";
  const s = results.scores || {};
  if (done) {
    fill($("#overall"), ring(s.overall, "Overall", table));
    fill($("#categories"), CATEGORIES.map(([k, label]) =>
      el("div", { class: "category" }, el("h2", {}, label), el("p", { class: "score" }, score(s[k])),
        el("p", { class: "verdict" }, verdict(s[k], table)))));
    const fb = results.feedback || {};
    fill($("#session-feedback"), list("Strengths", fb.strengths), list("To improve", fb.improvements),
      list("Next steps", fb.next_steps), list("Practice", fb.practice));
  }
  const cards = [];
  for (const q of view.questions) cards.push(await answerCard(sid, q, by[q.question_id] || [], table, results.status));
  fill($("#answers"), el("h2", {}, "Your answers"), cards);
  for (const card of cards) placeMarks(card);
  for (const video of document.querySelectorAll("#answers video[data-answer]")) {
    loadVideo(video, sid, video.dataset.answer).catch(() => {});
  }
}

function verdict(v, table) {
  if (v === null || v === undefined || !table) return "";
  const { strong, solid } = table.verdicts;
  return v >= strong ? "Strong" : v >= solid ? "Solid" : "Needs work";
}

function ring(value, label, table) {
  const r = el("div", { class: "ring", role: "img", "aria-label": `${label} score: ${score(value)} out of 100` },
    el("span", { "aria-hidden": "true" }, score(value)));
  r.style.setProperty("--pct", String(value ?? 0));
  return [r, el("p", { class: "verdict" }, `${label}${verdict(value, table) ? ": " + verdict(value, table) : ""}`)];
}

function list(title, items) {
  if (!items || !items.length) return null;
  return [el("h3", {}, title), el("ul", {}, items.map((i) => el("li", {}, i)))];
}

async function answerCard(sid, q, attempts, table, sessionStatus) {
  const head = el("h3", {}, `Question ${q.index + 1}: ${q.text}`);
  if (!attempts.length) {
    return el("article", { class: "answer" }, head, el("p", {}, "Not answered."), practiseButton(sid, q, sessionStatus, false));
  }
  const last = attempts[attempts.length - 1];
  let report = null;
  try {
    report = await api(`/api/sessions/${sid}/answers/${last.id}/report`, { session: sid });
  } catch (_) { /* shown as not available below */ }
  const speech = (report && report.speech) || {};
  const vision = (report && report.vision) || {};
  const feedback = (report && report.feedback) || {};
  const fb = feedback.feedback || {};
  const s = (feedback.card && feedback.card.scores) || last.scores || {};
  const videoId = `video-${last.id}`;
  const marks = timelineMarks(speech, vision, table);
  const card = el("article", { class: "answer", "data-answer": last.id },
    head,
    targetsNote(q),
    statusLine(last),
    el("p", { class: "score-line" }, "Score ", el("strong", {}, score(s.overall)),
      CATEGORIES.map(([k, label]) => ` · ${label.toLowerCase()} ${score(s[k])}`)),
    attempts.length > 1 ? comparison(attempts) : null,
    el("video", { id: videoId, controls: true, preload: "metadata", playsinline: true, "data-answer": last.id,
                  "aria-label": `Your answer to question ${q.index + 1}, attempt ${last.attempt}` }),
    marks.length ? el("div", { class: "timeline", role: "group", "aria-label": "Moments to review: each one plays the video from there",
                               "data-video": videoId, "data-duration": String(speech.duration_s || 1) },
      el("div", { class: "track" })) : null,
    marks.length ? legend(marks) : null,
    fb.summary ? el("p", {}, fb.summary) : null,
    list("Strengths", fb.strengths), list("To improve", fb.improvements), list("Try this", fb.suggestions),
    speech.words ? el("details", {}, el("summary", {}, "Transcript"), transcript(speech)) : null,
    el("div", { class: "controls" }, practiseButton(sid, q, sessionStatus), retryButton(sid, last)),
  );
  card.marks = marks;
  return card;
}

function statusLine(a) {
  if (a.status === "failed") {
    const e = a.error || {};
    return el("p", { class: "error" }, `This answer could not be analysed${e.message ? `: ${e.message}` : "."}`);
  }
  if (a.status !== "scored") return el("p", { class: "muted" }, "Being analysed…");
  return null;
}

function targetsNote(q) {
  if (!q.targets || !q.targets.length) return null;
  return el("p", { class: "muted" }, "Targets: ", q.targets.map((t, i) => [i ? "; " : "", el("q", {}, t.excerpt)]));
}

/** The attempts at one question side by side: what changed between takes. */
function comparison(attempts) {
  const cols = [["overall", "Overall"], ...CATEGORIES];
  const cell = (a, k, i) => {
    const v = (a.scores || {})[k];
    const prev = i ? (attempts[i - 1].scores || {})[k] : null;
    const delta = v !== null && v !== undefined && prev !== null && prev !== undefined ? Math.round(v) - Math.round(prev) : null;
    return el("td", {}, score(v), delta ? el("span", { class: delta > 0 ? "up" : "down" }, ` (${delta > 0 ? "+" : ""}${delta})`) : null);
  };
  return el("table", { class: "attempts" },
    el("caption", {}, `Your ${attempts.length} attempts at this question`),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Attempt"), cols.map(([, l]) => el("th", { scope: "col" }, l)))),
    el("tbody", {}, attempts.map((a, i) => el("tr", {}, el("th", { scope: "row" }, `#${a.attempt}`),
      a.status === "scored" ? cols.map(([k]) => cell(a, k, i)) : el("td", { colspan: cols.length }, a.status)))));
}

function practiseButton(sid, q, sessionStatus, answered = true) {
  if (!["completed", "finished", "ready"].includes(sessionStatus)) return null;
  const b = el("button", { type: "button", class: "secondary" }, answered ? "Practise this question again" : "Answer this question now");
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await api(`/api/sessions/${sid}/reopen`, { method: "POST", session: sid });
      await navigate(`/sessions/${sid}?q=${q.index + 1}`);
    } catch (err) {
      b.disabled = false;
      $("#results-status").textContent = `Could not reopen the interview: ${err.message}`;
    }
  });
  return b;
}

function retryButton(sid, answer) {
  if (answer.status !== "failed") return null;
  const b = el("button", { type: "button" }, "Retry analysis");
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await api(`/api/sessions/${sid}/answers/${answer.id}/retry`, { method: "POST", session: sid });
      $("#results-status").textContent = "Analysing that answer again…";
      shown = "";
      watch(sid);
    } catch (err) {
      b.disabled = false;
      $("#results-status").textContent = `Could not retry: ${err.message}`;
    }
  });
  return b;
}

const KINDS = { filler: "Filler word", pause: "Long pause", away: "Looking away" };

function timelineMarks(speech, vision, table) {
  const marks = (speech.fillers || []).map((f) => ({ kind: "filler", t: f.start, what: `${KINDS.filler} “${f.text}”` }));
  if (table) {
    // Only pauses the scoring counts as long (its threshold, served by the API).
    for (const p of speech.pauses || []) {
      if (p.end - p.start > table.long_pause_s) marks.push({ kind: "pause", t: p.start, what: `${KINDS.pause} of ${(p.end - p.start).toFixed(1)} seconds` });
    }
  }
  for (const a of vision.looking_away || []) marks.push({ kind: "away", t: a.start, what: KINDS.away });
  return marks.sort((x, y) => x.t - y.t);
}

function legend(marks) {
  const kinds = [...new Set(marks.map((m) => m.kind))];
  return el("p", { class: "legend" }, kinds.map((k) => [el("span", { class: `swatch ${k}`, "aria-hidden": "true" }), ` ${KINDS[k]} `]));
}

/** Buttons on the timeline, at least 24 px apart: moments closer than that share one button. */
function placeMarks(card) {
  const line = card.querySelector(".timeline");
  if (!line) return;
  const track = line.querySelector(".track");
  const duration = Number(line.dataset.duration) || 1;
  const width = Math.max(track.clientWidth, 1);
  const gap = (28 / width) * duration; // seconds that 28 px stand for
  const groups = [];
  for (const m of card.marks) {
    const g = groups[groups.length - 1];
    if (g && m.t - g[0].t < gap) g.push(m);
    else groups.push([m]);
  }
  const video = () => document.getElementById(line.dataset.video);
  fill(track, groups.map((g) => {
    const t = g[0].t;
    const label = g.length === 1
      ? `${g[0].what} at ${t.toFixed(1)} seconds`
      : `${g.length} moments from ${t.toFixed(1)} seconds: ${g.map((m) => m.what).join(", ")}`;
    const kind = new Set(g.map((m) => m.kind)).size === 1 ? g[0].kind : "mixed";
    const b = el("button", { type: "button", class: `mark ${kind}`, "aria-label": label, title: label });
    b.style.left = `${Math.min(100, (100 * t) / duration)}%`;
    b.addEventListener("click", () => {
      const v = video();
      v.currentTime = t;
      v.play().catch(() => {});
    });
    return b;
  }));
}

/** The transcript with fillers marked: words inside a filler's time span, and voiced fillers ("(um)") that
 * the recogniser wrote no word for, at their place in time. */
function transcript(speech) {
  const fillers = speech.fillers || [];
  const voiced = fillers.filter((f) => f.kind === "voiced_gap").map((f) => ({ voiced: true, start: f.start, text: f.text }));
  const spans = fillers.filter((f) => f.kind !== "voiced_gap");
  const inFiller = (w) => spans.some((f) => w.start >= f.start - 0.05 && w.end <= f.end + 0.05);
  const items = [...(speech.words || []).map((w) => ({ ...w, text: w.word })), ...voiced].sort((a, b) => a.start - b.start);
  const p = el("p", { class: "transcript" });
  if (!items.length) return fill(p, "No speech recognised.");
  items.forEach((w, i) => {
    if (i) p.append(" ");
    const text = w.voiced && !/^\(.*\)$/.test(w.text) ? `(${w.text})` : w.text.trim();
    p.append(w.voiced || inFiller(w) ? el("mark", { title: w.voiced ? "Voiced filler (a sound, no word)" : "Filler word" }, text) : text);
  });
  return p;
}

$("#export").addEventListener("click", async (ev) => {
  ev.preventDefault();
  const sid = current;
  try {
    const res = await raw(`/api/sessions/${sid}/export`, sid);
    const type = res.headers.get("content-type") || "";
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: `interview-${sid}.${type.includes("zip") ? "zip" : "json"}` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    $("#results-status").textContent = `Export failed: ${err.message}`;
  }
});

$("#delete").addEventListener("click", async () => {
  const sid = current;
  const ok = await ask("Delete this interview?", "Its videos, transcripts, reports and scores are erased for good.",
    "Delete it", "Keep it");
  if (!ok) return;
  try {
    await api(`/api/sessions/${sid}`, { method: "DELETE", session: sid });
  } catch (err) {
    $("#results-status").textContent = `Could not delete: ${err.message}`;
    return;
  }
  forgetToken(sid);
  await navigate("/history");
  announce("The interview was deleted.");
});
