// Trend charts as SVG drawn here (no library): one line per metric across sessions, the target band
// shaded where the scoring table has one, and a text alternative that says the same in words.
import { el, day, time } from "/dom.js";

const W = 320;
const H = 160;
const M = { left: 36, right: 12, top: 12, bottom: 28 };
let uid = 0;

const UNIT = { score: "", per_minute: " per minute", wpm: " words per minute", percent: "%" };
const fmt = (v, unit) => `${unit === "per_minute" ? v.toFixed(1) : Math.round(v)}${UNIT[unit] ?? ""}`;

/** Which way the series moved from its first to its last point, in words. */
export function trend(series, band) {
  const pts = series.points;
  if (pts.length < 2) return "measured in one session so far";
  const first = pts[0].value;
  const last = pts[pts.length - 1].value;
  const change = last - first;
  if (Math.abs(change) < 1e-9) return "unchanged since the first session";
  const up = change > 0;
  let better;
  if (series.better === "higher") better = up;
  else if (series.better === "lower") better = !up;
  else if (band) {
    const dist = (v) => (v < band[0] ? band[0] - v : v > band[1] ? v - band[1] : 0);
    better = dist(last) < dist(first) ? true : dist(last) > dist(first) ? false : null;
  } else better = null;
  const amount = fmt(Math.abs(change), series.unit);
  const word = better === null ? "changed" : better ? "improved" : "worsened";
  return `${word}: ${up ? "up" : "down"} ${amount} since the first session`;
}

/** A <figure> with the chart of ``series`` (``MetricSeries`` of GET /api/progress); ``band`` = [lo, hi]
 * of the target in the series' unit, or null. */
export function lineChart(series, band = null) {
  const id = `chart-${++uid}`;
  const pts = series.points;
  const fixed = series.unit === "score" || series.unit === "percent";
  const top = fixed ? 100 : Math.max(1, ...pts.map((p) => p.value), band ? band[1] : 0) * 1.15;
  const x = (i) => M.left + (pts.length === 1 ? (W - M.left - M.right) / 2 : (i * (W - M.left - M.right)) / (pts.length - 1));
  const y = (v) => M.top + (H - M.top - M.bottom) * (1 - Math.min(v, top) / top);
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart" });
  // Sessions on one day are told apart by their time.
  const oneDay = new Set(pts.map((p) => day(p.at))).size < pts.length;
  const when = (at) => (oneDay ? `${day(at)} ${time(at)}` : day(at));
  const tick = (at) => (oneDay ? time(at) : day(at));
  const described = pts.map((p) => `${fmt(p.value, series.unit)} on ${when(p.at)}`).join(", ");
  svg.append(
    el("svg:title", { id: `${id}-t` }, series.label),
    el("svg:desc", { id: `${id}-d` },
      pts.length ? `${pts.length} sessions: ${described}. ${trend(series, band)}.` +
        (band ? ` Target ${fmt(band[0], series.unit)} to ${fmt(band[1], series.unit)}.` : "") +
        ` ${series.better === "lower" ? "Lower is better." : series.better === "higher" ? "Higher is better." : ""}`
        : "No measurements yet."),
  );
  if (band) {
    const y1 = y(Math.min(band[1], top));
    svg.append(el("svg:rect", { x: M.left, y: y1, width: W - M.left - M.right, height: Math.max(0, y(band[0]) - y1), class: "band" }));
  }
  for (const v of [0, top / 2, top]) {
    svg.append(
      el("svg:line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: "grid" }),
      el("svg:text", { x: M.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, series.unit === "per_minute" && top < 10 ? v.toFixed(1) : String(Math.round(v))),
    );
  }
  if (pts.length) {
    svg.append(el("svg:text", { x: x(0), y: H - 8, class: "axis", "text-anchor": pts.length === 1 ? "middle" : "start" }, tick(pts[0].at)));
    if (pts.length > 1) svg.append(el("svg:text", { x: x(pts.length - 1), y: H - 8, class: "axis", "text-anchor": "end" }, tick(pts[pts.length - 1].at)));
    if (pts.length > 1) svg.append(el("svg:polyline", { points: pts.map((p, i) => `${x(i)},${y(p.value)}`).join(" "), class: "line" }));
    pts.forEach((p, i) => svg.append(el("svg:circle", { cx: x(i), cy: y(p.value), r: 4, class: "dot" },
      el("svg:title", {}, `${fmt(p.value, series.unit)} on ${when(p.at)}`))));
  }
  const last = pts.length ? fmt(pts[pts.length - 1].value, series.unit) : "not measured yet";
  return el("figure", { class: "chart-card", "data-metric": series.metric },
    svg,
    el("figcaption", {}, el("strong", {}, series.label), el("br"), `Latest: ${last}`,
      pts.length ? `; ${trend(series, band)}` : ""));
}
