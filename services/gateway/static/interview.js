// Setup (device check, consent) and the interview itself (record per question, play back, finish safely).
import { api, authHeaders, identity, rememberToken, ApiError } from "/api.js";
import { $, el, fill, announce, clock, plural } from "/dom.js";
import { loadVideo, posterFrame } from "/media.js";
import { ask, navigate, screen } from "/nav.js";

const st = {
  sid: null, view: null, questions: [], index: 0, latest: {},
  stream: null, audio: null, recorder: null, stopped: null, recordingQid: null,
  phase: "idle", // idle | recording | uploading
  upload: null, // the last upload: resolves true when saved, false when it failed
  blob: null, takes: {}, timer: null, started: 0,
};

// ---------------------------------------------------------------- devices
async function openDevices() {
  if (st.stream && st.stream.active) return st.stream;
  try {
    st.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  } catch (err) {
    throw new Error(`Camera or microphone unavailable (${err.name}). Allow access in the browser and try again.`);
  }
  $("#preview").srcObject = st.stream;
  meter(st.stream);
  return st.stream;
}

function releaseDevices() {
  if (st.stream) st.stream.getTracks().forEach((t) => t.stop());
  if (st.audio) st.audio.close().catch(() => {});
  st.stream = null;
  st.audio = null;
  $("#preview").srcObject = null;
  $("#live").srcObject = null;
}

function meter(stream) {
  const ctx = new AudioContext();
  st.audio = ctx;
  const analyser = ctx.createAnalyser();
  ctx.createMediaStreamSource(stream).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const bar = $("#volume");
  const tick = () => {
    if (ctx.state === "closed") return;
    analyser.getByteTimeDomainData(data);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
    const pct = Math.min(100, Math.round((peak / 128) * 100));
    bar.style.width = pct + "%";
    $(".meter").setAttribute("aria-valuenow", String(pct));
    requestAnimationFrame(tick);
  };
  tick();
}

$("#test-devices").addEventListener("click", async () => {
  try {
    await openDevices();
    $("#device-status").textContent = "Camera and microphone are working. Speak to see the volume move.";
  } catch (err) {
    $("#device-status").textContent = err.message;
  }
});

// ---------------------------------------------------------------- setup
export async function showSetup() {
  screen("setup", "Set up your interview");
  const me = await identity();
  const blocked = me.auth_mode === "oidc" && !me.authenticated;
  const notice = $("#sign-in-needed");
  notice.hidden = !blocked;
  $("#start").disabled = blocked;
  if (blocked) {
    fill(notice, "Sign in to keep your interviews and see your progress. ",
      el("a", { href: "/auth/login?next=%2F" }, "Sign in"));
  }
}

$("#setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#setup-error").textContent = "";
  const form = new FormData(ev.target);
  const body = { role: form.get("role").trim(), interview_type: form.get("interview_type"), level: form.get("level"),
                 duration_min: Number(form.get("duration_min")) };
  for (const k of ["job_description", "resume"]) if (form.get(k).trim()) body[k] = form.get(k).trim();
  $("#start").disabled = true;
  try {
    await openDevices();
    const created = await api("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify(body) });
    rememberToken(created.session_id, created.token);
    await navigate(`/sessions/${created.session_id}`);
  } catch (err) {
    $("#setup-error").textContent = err.message;
  } finally {
    $("#start").disabled = false;
  }
});

// ---------------------------------------------------------------- session
const TAKES_ANSWERS = new Set(["ready", "generating_questions"]);

async function loadSession(sid) {
  for (let i = 0; i < 240; i++) {
    const view = await api(`/api/sessions/${sid}`, { session: sid });
    if (view.questions.length || !TAKES_ANSWERS.has(view.status)) return view;
    if (i === 0) $("#session-status").textContent = "Preparing your questions…";
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("The questions did not arrive; please start again.");
}

/** The latest attempt of each question, from the server's view of the session. */
function latestAnswers(view) {
  const latest = {};
  for (const [aid, a] of Object.entries(view.answers || {})) {
    const cur = latest[a.question_id];
    if (!cur || a.attempt > cur.attempt) latest[a.question_id] = { answer_id: aid, attempt: a.attempt, status: a.status };
  }
  return latest;
}

export async function showSession(sid) {
  const fresh = st.sid !== sid;
  st.sid = sid;
  if (fresh) { st.takes = {}; st.upload = null; st.blob = null; }
  fill($("#question-nav"));
  $("#question-text").textContent = "";
  $("#session-error").textContent = "";
  $("#recording-area").hidden = true;
  $("#finished-notice").hidden = true;
  screen("session", "Interview", $("#question-title"));
  let view;
  try {
    view = await loadSession(sid);
  } catch (err) {
    $("#session-status").textContent = "";
    $("#session-error").textContent = err instanceof ApiError && err.status === 404
      ? "This interview was not found: it was deleted, or it belongs to another browser or account."
      : err.message;
    return;
  }
  if (st.sid !== sid) return; // navigated away meanwhile
  st.view = view;
  st.questions = view.questions;
  st.latest = latestAnswers(view);
  $("#session-role").textContent = `${view.request.role} · ${view.request.interview_type} · ${view.request.level}`;
  $("#session-status").textContent = "";
  const q = Number(new URLSearchParams(location.search).get("q"));
  const firstOpen = st.questions.findIndex((x) => !st.latest[x.question_id]);
  st.index = q >= 1 && q <= st.questions.length ? q - 1 : firstOpen >= 0 ? firstOpen : st.questions.length - 1;
  if (!TAKES_ANSWERS.has(view.status)) {
    $("#finished-notice").hidden = false;
    $("#finished-results").setAttribute("href", `/sessions/${sid}/results`);
    renderQuestion();
    announce(`This interview is finished. ${plural(Object.keys(st.latest).length, "question")} answered.`);
    return;
  }
  $("#recording-area").hidden = false;
  try {
    await openDevices();
    $("#live").srcObject = st.stream;
  } catch (err) {
    $("#session-error").textContent = err.message;
  }
  renderQuestion();
  announce(`Question ${st.index + 1} of ${st.questions.length}: ${question().text}`);
}

/** Leaving the session screen: a running recording is stopped and still uploaded; the camera goes off
 * unless the next screen is set-up or an interview. */
export function leaveSession() {
  const path = location.pathname;
  if (st.sid && path === `/sessions/${st.sid}`) return;
  const keepCamera = path === "/" || /^\/sessions\/[0-9a-f]{32}$/.test(path);
  const release = () => { if (!keepCamera) releaseDevices(); };
  if (st.phase === "recording") stopRecording().finally(release);
  else release();
}

/** "2 minutes", "1 min 30 s". */
function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (!m) return `${s} seconds`;
  return s ? `${m} min ${s} s` : plural(m, "minute");
}

function question() { return st.questions[st.index]; }

function renderQuestion() {
  const q = question();
  const n = st.questions.length;
  const answered = st.latest[q.question_id];
  const url = `/sessions/${st.sid}?q=${st.index + 1}`;
  if (location.pathname + location.search !== url) history.replaceState(null, "", url);
  document.title = `Question ${st.index + 1} of ${n} – Mock Interview`;
  $("#question-title").textContent = `Question ${st.index + 1} of ${n}`;
  $("#question-text").textContent = q.text;
  $("#question-type").textContent = q.type;
  $("#question-duration").textContent = `about ${minutes(q.expected_duration_s)}`;
  $("#timer").textContent = "0:00";
  $("#timer-target").textContent = `of about ${clock(q.expected_duration_s)}`;
  $("#timer-bar").max = q.expected_duration_s;
  $("#timer-bar").value = 0;
  $("#timer").classList.remove("over");
  renderSource(q);
  renderNav();
  renderTake(q, answered);
  setControls();
  if (st.phase === "idle") {
    $("#session-status").textContent = answered
      ? `Answered (attempt ${answered.attempt}). Play it back, re-record it, or move on.`
      : "";
  }
}

/** Where the question comes from: the parts of the job description it targets, or the bank and why. */
function renderSource(q) {
  const box = $("#question-source");
  const targets = q.targets || [];
  const hasJd = Boolean(st.view.inputs && (st.view.inputs.job_description || st.view.inputs.resume));
  if (targets.length) {
    const from = { job_description: "your job description", resume: "your résumé" };
    fill(box, el("p", { class: "source-title" }, "This question targets:"),
      el("ul", {}, targets.map((t) => el("li", {}, el("q", {}, t.excerpt), ` (from ${from[t.source] || t.source})`))));
  } else if (hasJd) {
    fill(box, el("p", {}, "From the question bank: no part of your job description matched it closely, so it covers the role in general."));
  } else {
    fill(box, el("p", {}, "From the question bank for this role, type and level. Add a job description when you set up an interview to get questions matched to it."));
  }
}

function renderNav() {
  const busy = st.phase !== "idle";
  fill($("#question-nav"), st.questions.map((q, i) => {
    const done = st.latest[q.question_id];
    const label = `Question ${i + 1}, ${done ? "answered" : "not answered"}`;
    const b = el("button", { type: "button", class: done ? "done" : "", "aria-label": label,
                             "aria-current": i === st.index ? "step" : null, disabled: busy || null },
      done ? `${i + 1} ✓` : String(i + 1));
    b.addEventListener("click", () => goTo(i));
    return el("li", {}, b);
  }));
}

function renderTake(q, answered) {
  const area = $("#take-area");
  const video = $("#take");
  const local = st.takes[q.question_id];
  if (local) {
    area.hidden = false;
    if (video.src !== local) { video.src = local; posterFrame(video); }
  } else if (answered) {
    area.hidden = false;
    video.removeAttribute("poster");
    loadVideo(video, st.sid, answered.answer_id).catch(() => { area.hidden = true; });
  } else {
    area.hidden = true;
    video.removeAttribute("src");
    video.removeAttribute("poster");
  }
}

function setControls() {
  const q = question();
  const answered = Boolean(st.latest[q.question_id]);
  const last = st.index + 1 === st.questions.length;
  const idle = st.phase === "idle";
  $("#record").disabled = !idle || answered;
  $("#stop").disabled = st.phase !== "recording";
  $("#rerecord").disabled = !idle || !answered;
  $("#next").disabled = !idle || !answered;
  $("#next").textContent = last ? "Finish and see results" : "Next question";
  for (const b of document.querySelectorAll("#question-nav button")) b.disabled = !idle;
}

function goTo(i) {
  if (st.phase !== "idle" || i === st.index) return;
  st.index = i;
  $("#session-error").textContent = "";
  $("#retry-upload").hidden = true;
  renderQuestion();
  $("#question-title").focus();
  announce(`Question ${i + 1} of ${st.questions.length}: ${question().text}`);
}

function startRecording() {
  if (st.phase !== "idle" || !st.stream) return;
  const q = question();
  st.chunks = [];
  const type = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(st.stream, type ? { mimeType: type } : undefined);
  st.recorder = recorder;
  st.recordingQid = q.question_id;
  recorder.ondataavailable = (e) => { if (e.data.size) st.chunks.push(e.data); };
  st.stopped = new Promise((resolve) => {
    recorder.onstop = () => resolve(new Blob(st.chunks, { type: recorder.mimeType.split(";")[0] }));
  });
  recorder.start(1000);
  st.phase = "recording";
  st.started = Date.now();
  const target = q.expected_duration_s;
  st.timer = setInterval(() => {
    const s = (Date.now() - st.started) / 1000;
    $("#timer").textContent = clock(Math.floor(s));
    $("#timer-bar").value = Math.min(s, target);
    $("#timer").classList.toggle("over", s > target);
  }, 250);
  $("#session-error").textContent = "";
  $("#retry-upload").hidden = true;
  $("#session-status").textContent = "Recording…";
  setControls();
  $("#stop").focus();
  announce(`Recording. Aim for about ${minutes(target)}.`);
}

/** Stop the recording and upload it; resolves true once the answer is saved. */
async function stopRecording() {
  if (st.phase !== "recording") return st.upload ? st.upload : false;
  clearInterval(st.timer);
  st.phase = "uploading";
  setControls();
  $("#session-status").focus();
  st.recorder.stop();
  const blob = await st.stopped;
  return upload(blob, st.recordingQid);
}

function upload(blob, qid) {
  st.blob = blob;
  st.phase = "uploading";
  setControls();
  const sid = st.sid;
  const bar = $("#upload-progress");
  bar.hidden = false;
  bar.value = 0;
  $("#retry-upload").hidden = true;
  $("#session-status").textContent = "Uploading your answer…";
  st.upload = new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/sessions/${sid}/questions/${qid}/answers`);
    for (const [k, v] of Object.entries(authHeaders(sid))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("Content-Type", blob.type || "video/webm");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
    xhr.onload = () => {
      bar.hidden = true;
      if (xhr.status === 202) {
        const res = JSON.parse(xhr.responseText);
        st.latest[qid] = { answer_id: res.answer_id, attempt: res.attempt, status: "uploaded" };
        if (st.takes[qid]) URL.revokeObjectURL(st.takes[qid]);
        st.takes[qid] = URL.createObjectURL(blob);
        st.phase = "idle";
        if (st.sid === sid && question().question_id === qid) {
          renderTake(question(), st.latest[qid]);
          renderNav();
          setControls();
          $("#session-status").textContent = `Answer saved (attempt ${res.attempt}). It is being analysed. Play it back below, re-record it, or move on.`;
          $("#next").focus();
        }
        resolve(true);
      } else {
        let reason = xhr.statusText;
        try { reason = JSON.parse(xhr.responseText).detail || reason; } catch (_) { /* not JSON */ }
        failUpload(`Upload failed (${xhr.status}): ${reason}`);
        resolve(false);
      }
    };
    xhr.onerror = () => { failUpload("Upload failed: the server could not be reached."); resolve(false); };
    xhr.send(blob);
  });
  return st.upload;
}

function failUpload(message) {
  st.phase = "idle";
  $("#upload-progress").hidden = true;
  $("#session-status").textContent = "";
  $("#session-error").textContent = message;
  $("#retry-upload").hidden = false;
  setControls();
  $("#rerecord").disabled = false;
  $("#retry-upload").focus();
}

$("#record").addEventListener("click", startRecording);
$("#rerecord").addEventListener("click", startRecording);
$("#stop").addEventListener("click", () => { stopRecording(); });
$("#retry-upload").addEventListener("click", () => {
  $("#session-error").textContent = "";
  if (st.blob) upload(st.blob, st.recordingQid);
});
$("#next").addEventListener("click", () => {
  if (st.index + 1 < st.questions.length) goTo(st.index + 1);
  else requestFinish();
});
$("#finish").addEventListener("click", () => requestFinish());

/** Finish, safely: a running recording is stopped and uploaded first, an upload in flight is waited for,
 * and the candidate is told what the result will be based on. */
async function requestFinish() {
  const n = st.questions.length;
  const num = st.questions.findIndex((x) => x.question_id === st.recordingQid) + 1;
  if (st.phase === "recording") {
    const ok = await ask("Finish the interview?",
      `You are recording your answer to question ${num}. It will be stopped and uploaded, then the interview finishes.`,
      "Stop, save and finish", "Keep recording");
    if (!ok) return;
    await stopRecording();
  } else if (st.phase === "uploading") {
    const ok = await ask("Finish the interview?",
      `Your answer to question ${num} is still uploading. The interview finishes as soon as it is saved.`,
      "Finish when it is saved", "Wait");
    if (!ok) return;
  } else {
    const answered = Object.keys(st.latest).length;
    if (answered < n) {
      const ok = await ask("Finish the interview?",
        answered ? `You answered ${answered} of ${n} questions; your result will be based on those ${answered}.`
                 : "You have not answered any question yet, so there will be nothing to score.",
        "Finish", "Keep going");
      if (!ok) return;
    }
  }
  if (st.upload) {
    $("#session-status").textContent = "Waiting for your answer to finish uploading…";
    const saved = await st.upload;
    if (!saved) {
      const ok = await ask("Your last answer did not upload",
        "Finish without it, or stay and retry the upload?", "Finish without it", "Stay and retry");
      if (!ok) return;
    }
  }
  try {
    $("#finish").disabled = true;
    await api(`/api/sessions/${st.sid}/finish`, { method: "POST", session: st.sid });
  } catch (err) {
    $("#session-error").textContent = `Could not finish: ${err.message}`;
    return;
  } finally {
    $("#finish").disabled = false;
  }
  releaseDevices();
  await navigate(`/sessions/${st.sid}/results`);
}

window.addEventListener("beforeunload", (ev) => {
  // Leaving while recording or uploading would lose the answer.
  if (st.phase !== "idle") ev.preventDefault();
});
