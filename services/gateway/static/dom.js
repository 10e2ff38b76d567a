// Small DOM helpers. Markup is built with elements and textContent, never from strings that hold
// user or server text: no escaping mistakes, and nothing the CSP (no inline script or style) refuses.
export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** ``el("p", {class: "x", "aria-label": "..."}, "text", child)``: attributes set with setAttribute. */
export function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Replace the children of ``node``. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Tell screen readers (the polite live region). */
export function announce(text) {
  const live = $("#announce");
  live.textContent = "";
  // A change after a tick is announced even when the text repeats.
  setTimeout(() => { live.textContent = text; }, 50);
}

export const clock = (seconds) => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export const score = (v) => (v === null || v === undefined ? "cannot measure" : String(Math.round(v)));

export const date = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
export const time = (iso) => new Date(iso).toLocaleTimeString(undefined, { timeStyle: "short" });
export const day = (iso) => new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short" });

export const plural = (n, word, many = word + "s") => `${n} ${n === 1 ? word : many}`;

export const CATEGORIES = [
  ["content", "Content"], ["communication", "Communication"], ["confidence", "Confidence"], ["body_language", "Body language"],
];
