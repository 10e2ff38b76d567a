"use strict";
// Three screens: setup (device check, consent), session (record per question), results.
const $ = (sel) => document.querySelector(sel);
const state = { session: null, token: null, questions: [], index: 0, stream: null, recorder: null, chunks: [],
                blob: null, timer: null, answers: {} };

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) {
    let detail = res.statusText;
    try { detail = (await res.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return res.status === 204 ? null : res.json();
}

function show(id) {
  for (const s of ["setup", "session", "results"]) $("#" + s).hidden = s !== id;
}

// ---------------------------------------------------------------- devices
async function openDevices() {
  if (state.stream) return state.stream;
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  } catch (err) {
    throw new Error(`Camera or microphone unavailable (${err.name}). Allow access in the browser and try again.`);
  }
  $("#preview").srcObject = state.stream;
  meter(state.stream);
  return state.stream;
}

function meter(stream) {
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  ctx.createMediaStreamSource(stream).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const tick = () => {
    analyser.getByteTimeDomainData(data);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
    const pct = Math.min(100, Math.round((peak / 128) * 100));
    $("#level").style.width = pct + "%";
    $(".meter").setAttribute("aria-valuenow", String(pct));
    requestAnimationFrame(tick);
  };
  tick();
}

$("#test-devices").addEventListener("click", async () => {
  try {
    await openDevices();
    $("#device-status").textContent = "Camera and microphone are working. Speak to see the level move.";
  } catch (err) {
    $("#device-status").textContent = err.message;
  }
});

// ---------------------------------------------------------------- setup
$("#setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#setup-error").textContent = "";
  const form = new FormData(ev.target);
  const body = { role: form.get("role"), interview_type: form.get("interview_type"), level: form.get("level"),
                 duration_min: Number(form.get("duration_min")) };
  for (const k of ["job_description", "resume"]) if (form.get(k)) body[k] = form.get(k);
  try {
    await openDevices();
    const created = await api("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify(body) });
    state.session = created.session_id;
    state.token = created.token;
    sessionStorage.setItem("mi-session", JSON.stringify({ id: state.session, token: state.token }));
    await waitForQuestions();
    show("session");
    $("#live").srcObject = state.stream;
    renderQuestion();
  } catch (err) {
    $("#setup-error").textContent = err.message;
  }
});

async function waitForQuestions() {
  for (let i = 0; i < 120; i++) {
    const s = await api(`/api/sessions/${state.session}`);
    if (s.questions.length) { state.questions = s.questions; return; }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("Questions did not arrive; please try again.");
}

// ---------------------------------------------------------------- session
function renderQuestion() {
  const q = state.questions[state.index];
  $("#progress").textContent = `Question ${state.index + 1} of ${state.questions.length}`;
  $("#question-text").textContent = q.text;
  $("#question-type").textContent = q.type;
  $("#question-duration").textContent = `${Math.round(q.expected_duration_s / 60)} min`;
  $("#timer").textContent = "0:00";
  $("#record").disabled = false; $("#stop").disabled = true; $("#rerecord").disabled = true;
  $("#next").disabled = true;
  $("#next").textContent = state.index + 1 < state.questions.length ? "Next question" : "See results";
  $("#session-status").textContent = "";
}

function startRecording() {
  state.chunks = [];
  const type = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
  state.recorder = new MediaRecorder(state.stream, type ? { mimeType: type } : undefined);
  state.recorder.ondataavailable = (e) => { if (e.data.size) state.chunks.push(e.data); };
  state.recorder.onstop = () => upload(new Blob(state.chunks, { type: state.recorder.mimeType.split(";")[0] }));
  state.recorder.start(1000);
  const started = Date.now();
  state.timer = setInterval(() => {
    const s = Math.floor((Date.now() - started) / 1000);
    $("#timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }, 250);
  $("#record").disabled = true; $("#stop").disabled = false; $("#rerecord").disabled = true; $("#next").disabled = true;
  $("#session-status").textContent = "Recording…";
}

function upload(blob) {
  state.blob = blob;
  const q = state.questions[state.index];
  const bar = $("#upload-progress");
  bar.hidden = false; bar.value = 0;
  $("#retry-upload").hidden = true;
  $("#session-status").textContent = "Uploading…";
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/sessions/${state.session}/questions/${q.question_id}/answers`);
  xhr.setRequestHeader("Authorization", `Bearer ${state.token}`);
  xhr.setRequestHeader("Content-Type", blob.type || "video/webm");
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
  xhr.onload = () => {
    bar.hidden = true;
    if (xhr.status === 202) {
      const res = JSON.parse(xhr.responseText);
      state.answers[q.question_id] = res.answer_id;
      $("#session-status").textContent = `Answer saved (attempt ${res.attempt}). It is being analysed.`;
      $("#next").disabled = false; $("#rerecord").disabled = false;
    } else {
      failUpload(`Upload failed (${xhr.status}): ${xhr.responseText}`);
    }
  };
  xhr.onerror = () => failUpload("Upload failed: the server could not be reached.");
  xhr.send(blob);
}

function failUpload(message) {
  $("#upload-progress").hidden = true;
  $("#session-error").textContent = message;
  $("#retry-upload").hidden = false;
  $("#rerecord").disabled = false;
}

$("#record").addEventListener("click", startRecording);
$("#rerecord").addEventListener("click", startRecording);
$("#stop").addEventListener("click", () => {
  clearInterval(state.timer);
  $("#stop").disabled = true;
  state.recorder.stop();
});
$("#retry-upload").addEventListener("click", () => { $("#session-error").textContent = ""; upload(state.blob); });
$("#next").addEventListener("click", () => {
  if (state.index + 1 < state.questions.length) { state.index += 1; renderQuestion(); } else { finish(); }
});
$("#finish").addEventListener("click", finish);

async function finish() {
  await api(`/api/sessions/${state.session}/finish`, { method: "POST" });
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  show("results");
  watchResults();
}

// ---------------------------------------------------------------- results
function watchResults() {
  // Server-Sent Events carry progress; fetch() streams them so the token travels in a header.
  const refresh = async () => {
    const results = await api(`/api/sessions/${state.session}/results`);
    renderResults(results);
    return results.status === "completed";
  };
  (async () => {
    const res = await fetch(`/api/sessions/${state.session}/events`, { headers: { Authorization: `Bearer ${state.token}` } });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (buffer.includes("\n\n")) {
        buffer = "";
        if (await refresh()) { reader.cancel(); break; }
      }
    }
  })().catch(async () => { while (!(await refresh())) await new Promise((r) => setTimeout(r, 2000)); });
}

const fmt = (v) => (v === null || v === undefined ? "cannot measure" : Math.round(v));
// Thresholds come from the server's scoring table (GET /api/scoring), never copied here.
const scoring = fetch("/api/scoring").then((res) => res.json());
let verdicts = null;
const verdict = (v) => (v === null || !verdicts ? "" : v >= verdicts.strong ? "Strong" : v >= verdicts.solid ? "Solid" : "Needs work");

function ring(value, label) {
  const pct = value === null || value === undefined ? 0 : value;
  return `<div class="ring" data-pct="${pct}" role="img" aria-label="${label}: ${fmt(value)}">
    <span>${fmt(value)}</span></div><p class="verdict">${label} ${verdict(value ?? null)}</p>`;
}

async function renderResults(results) {
  verdicts = (await scoring).verdicts;
  const done = results.status === "completed";
  $("#results-status").textContent = done ? "Analysis complete." : "Analysing your answers…";
  if (!done) return;
  const s = results.scores || {};
  $("#overall").innerHTML = ring(s.overall, "Overall");
  // The CSP allows no style attributes in markup; CSSOM assignments are fine.
  for (const r of document.querySelectorAll(".ring[data-pct]")) r.style.setProperty("--pct", r.dataset.pct);
  $("#categories").innerHTML = ["content", "communication", "confidence", "body_language"].map((k) =>
    `<div class="category"><h3>${k.replace("_", " ")}</h3><p class="score">${fmt(s[k])}</p></div>`).join("");
  const fb = results.feedback || {};
  $("#session-feedback").innerHTML = list("Strengths", fb.strengths) + list("To improve", fb.improvements) +
    list("Next steps", fb.next_steps) + list("Practice", fb.practice);
  const byQuestion = {};
  for (const [aid, a] of Object.entries(results.answers)) (byQuestion[a.question_id] ||= []).push([aid, a]);
  const cards = [];
  for (const q of state.questions) {
    const attempts = (byQuestion[q.question_id] || []).sort((x, y) => x[1].attempt - y[1].attempt);
    cards.push(await answerCard(q, attempts));
  }
  $("#answers").innerHTML = cards.join("");
  for (const mark of document.querySelectorAll(".mark")) {
    mark.style.left = `${mark.dataset.left}%`;
    mark.addEventListener("click", () => {
      const video = document.getElementById(mark.dataset.video);
      video.currentTime = Number(mark.dataset.t);
      video.play().catch(() => {});
    });
  }
  // A <video> cannot send the bearer token: fetch each recording with it and play it from memory.
  for (const video of document.querySelectorAll("video[data-src]")) {
    const res = await fetch(video.dataset.src, { headers: { Authorization: `Bearer ${state.token}` } });
    if (res.ok) video.src = URL.createObjectURL(await res.blob());
    video.removeAttribute("data-src");
  }
}

function list(title, items) {
  if (!items || !items.length) return "";
  return `<h3>${title}</h3><ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function answerCard(q, attempts) {
  if (!attempts.length) return `<article class="answer"><h3>${escapeHtml(q.text)}</h3><p>Not answered.</p></article>`;
  const [aid] = attempts[attempts.length - 1];
  const report = await api(`/api/sessions/${state.session}/answers/${aid}/report`);
  const videoId = `video-${aid}`;
  const speech = report.speech || {};
  const vision = report.vision || {};
  const duration = speech.duration_s || 1;
  const longPause = (await scoring).long_pause_s;
  const marks = [
    ...(speech.fillers || []).map((f) => ["filler", f.start, `Filler "${f.text}"`]),
    ...(speech.pauses || []).filter((p) => p.end - p.start > longPause).map((p) => ["pause", p.start, "Long pause"]),
    ...(vision.looking_away || []).map((a) => ["away", a.start, "Looking away"]),
  ].map(([kind, t, label]) =>
    `<button type="button" class="mark ${kind}" data-left="${(100 * t) / duration}" data-video="${videoId}" data-t="${t}"
      aria-label="${label} at ${t.toFixed(1)} seconds" title="${label} at ${t.toFixed(1)} s"></button>`).join("");
  const fillerStarts = new Set((speech.fillers || []).map((f) => f.start));
  const transcript = (speech.words || []).map((w) =>
    fillerStarts.has(w.start) ? `<mark>${escapeHtml(w.word)}</mark>` : escapeHtml(w.word)).join(" ");
  const fb = (report.feedback || {}).feedback || {};
  const scores = ((report.feedback || {}).card || {}).scores || {};
  const history = attempts.length > 1 ? `<p class="attempts">Attempts: ${attempts.map(([, a]) =>
    `#${a.attempt}: ${fmt((a.scores || {}).overall)}`).join(" → ")}</p>` : "";
  return `<article class="answer" data-answer="${aid}">
    <h3>${escapeHtml(q.text)}</h3>
    <p class="score-line">Score: <strong>${fmt(scores.overall)}</strong> · content ${fmt(scores.content)} ·
      communication ${fmt(scores.communication)} · confidence ${fmt(scores.confidence)} · body language ${fmt(scores.body_language)}</p>
    ${history}
    <video id="${videoId}" controls preload="metadata" data-src="/api/sessions/${state.session}/answers/${aid}/video"
      aria-label="Your answer"></video>
    <div class="timeline" aria-label="Timeline of moments to review">${marks}</div>
    <p class="legend"><span class="filler">■</span> filler <span class="pause">■</span> long pause <span class="away">■</span> looking away</p>
    <p>${escapeHtml(fb.summary || (report.error ? report.error.message : ""))}</p>
    ${list("Strengths", fb.strengths)}${list("To improve", fb.improvements)}${list("Try this", fb.suggestions)}
    <details><summary>Transcript</summary><p class="transcript">${transcript || "No speech recognised."}</p></details>
  </article>`;
}

$("#export").addEventListener("click", async (ev) => {
  ev.preventDefault();
  const res = await fetch(`/api/sessions/${state.session}/export`, { headers: { Authorization: `Bearer ${state.token}` } });
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: `interview-${state.session}.json` });
  a.click();
});

$("#delete").addEventListener("click", async () => {
  if (!confirm("Delete this interview, its videos and results?")) return;
  await api(`/api/sessions/${state.session}`, { method: "DELETE" });
  sessionStorage.removeItem("mi-session");
  location.reload();
});

show("setup");
