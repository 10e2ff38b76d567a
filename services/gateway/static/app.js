"use strict";
// Minimal client: create a session, poll it, upload one video per question.
const $ = (sel) => document.querySelector(sel);
let session = null; // {id, token}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (session) headers.Authorization = `Bearer ${session.token}`;
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) {
    let detail = res.statusText;
    try { detail = (await res.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return res.json();
}

$("#setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const body = Object.fromEntries(form.entries());
  body.duration_min = Number(body.duration_min);
  try {
    const created = await api("/api/sessions", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    session = { id: created.session_id, token: created.token };
    $("#setup").hidden = true;
    $("#session").hidden = false;
    poll();
  } catch (err) {
    $("#setup-error").textContent = `Could not create the session: ${err.message}`;
  }
});

function renderQuestions(data) {
  const list = $("#questions");
  if (list.childElementCount === data.questions.length) return;
  list.textContent = "";
  for (const q of data.questions) {
    const li = document.createElement("li");
    li.innerHTML = `<p></p><label>Answer video (WebM/MP4) <input type="file" accept="video/webm,video/mp4"></label>
      <span class="answer-status" aria-live="polite"></span>`;
    li.querySelector("p").textContent = `${q.text} (${q.type}, about ${Math.round(q.expected_duration_s / 60)} min)`;
    li.querySelector("input").addEventListener("change", (ev) => upload(q.question_id, ev.target.files[0], li));
    li.dataset.questionId = q.question_id;
    list.appendChild(li);
  }
}

async function upload(questionId, file, li) {
  const status = li.querySelector(".answer-status");
  status.textContent = "Uploading…";
  try {
    const res = await api(`/api/sessions/${session.id}/questions/${questionId}/answers`, {
      method: "POST", headers: { "Content-Type": file.type }, body: file,
    });
    status.textContent = `Uploaded (attempt ${res.attempt}).`;
  } catch (err) {
    status.textContent = `Upload failed: ${err.message}`;
  }
}

async function poll() {
  try {
    const data = await api(`/api/sessions/${session.id}`);
    $("#session-status").textContent = `Status: ${data.status.replace(/_/g, " ")}`;
    renderQuestions(data);
    for (const answer of Object.values(data.answers)) {
      const li = document.querySelector(`li[data-question-id="${answer.question_id}"] .answer-status`);
      if (li && answer.status === "failed") li.textContent = `Analysis failed: ${answer.error.message}`;
    }
  } catch (err) {
    $("#session-status").textContent = `Could not load the session: ${err.message}`;
  }
  setTimeout(poll, 2000);
}
