// The API client: same-origin requests carry the browser's identity (device profile or sign-in cookie);
// a session created without one is opened by its bearer token, kept for this tab in sessionStorage.
const TOKENS = "mi-tokens";

function tokens() {
  try { return JSON.parse(sessionStorage.getItem(TOKENS) || "{}"); } catch (_) { return {}; }
}

export function rememberToken(sessionId, token) {
  const all = tokens();
  all[sessionId] = token;
  sessionStorage.setItem(TOKENS, JSON.stringify(all));
}

export function forgetToken(sessionId) {
  const all = tokens();
  delete all[sessionId];
  sessionStorage.setItem(TOKENS, JSON.stringify(all));
}

/** Headers that open ``sessionId`` (its token, when this tab has one). */
export function authHeaders(sessionId) {
  const token = sessionId ? tokens()[sessionId] : null;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function failure(res) {
  let detail = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body && body.detail) detail = typeof body.detail === "string" ? body.detail : body.detail.map((d) => d.msg).join("; ");
  } catch (_) { /* not JSON */ }
  return new ApiError(res.status, detail);
}

/** JSON from ``path``; ``options.session`` names the session whose token to send. */
export async function api(path, options = {}) {
  const { session, ...init } = options;
  const headers = Object.assign({}, authHeaders(session), init.headers || {});
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, init, { headers }));
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? null : res.json();
}

/** A raw response (video, export) for ``path``, with the session's credentials. */
export async function raw(path, session) {
  const res = await fetch(path, { credentials: "same-origin", headers: authHeaders(session) });
  if (!res.ok) throw await failure(res);
  return res;
}

let me = null;
/** Who this browser is (``GET /api/me``); the first call creates the device profile in the device mode. */
export async function identity() {
  if (me) return me;
  try {
    me = await api("/api/me");
  } catch (err) {
    // A server without identities: every session is opened by its token.
    me = { authenticated: false, auth_mode: "token", error: err.message };
  }
  return me;
}

let table = null;
/** The scoring table (bands, targets, verdict words) the server scores with; null when not served. */
export async function scoring() {
  if (table === null) table = api("/api/scoring").catch(() => undefined);
  return (await table) || null;
}
