// Screens, navigation and the confirm dialog, shared by every screen's module.
import { $, $$, announce } from "/dom.js";

const SCREENS = ["setup", "session", "results", "history"];
let router = async () => {};

/** app.js hands over its router (kept apart so screens can navigate without an import cycle). */
export function setRouter(fn) { router = fn; }

/** Show one screen, title it, move focus to its heading and say so. */
export function screen(id, title, heading = null) {
  for (const s of SCREENS) $("#" + s).hidden = s !== id;
  document.title = `${title} – Mock Interview`;
  for (const link of $$("header nav a")) {
    if (link.getAttribute("href") === location.pathname) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const h = heading || $(`#${id} h1`);
  h.focus({ preventScroll: false });
  announce(title);
}

/** Go to ``path`` in this page (a history entry, unless ``replace``). */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return router();
}

// ---------------------------------------------------------------- confirm dialog
/** A modal question; resolves true for ``yes``, false for ``no`` or Escape. */
export function ask(title, text, yes, no) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = yes;
  $("#confirm-no").textContent = no;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const done = (answer) => {
      $("#confirm-yes").removeEventListener("click", onYes);
      $("#confirm-no").removeEventListener("click", onNo);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected && !opener.disabled) opener.focus();
      resolve(answer);
    };
    const onYes = () => done(true);
    const onNo = () => done(false);
    const onClose = () => done(false);
    $("#confirm-yes").addEventListener("click", onYes);
    $("#confirm-no").addEventListener("click", onNo);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    $("#confirm-yes").focus();
  });
}

