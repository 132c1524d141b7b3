// Charts drawn as inline SVG: a grid of colored cells, and lines over days. Each has a text
// summary for screen readers and a <title> per mark for the pointer.

import { el, svg } from "./dom.js";

export const FATES = [
  ["completed", "completed"],
  ["late", "answered late"],
  ["opened", "opened, not finished"],
  ["delivered", "delivered, not opened"],
  ["sent", "sent, no receipt"],
  ["expired", "expired, never reached her"],
  ["open", "open now"],
  ["scheduled", "coming"],
  ["cancelled", "cancelled"],
];

export function legend(entries, kind = "fate") {
  return el("ul", { class: "legend" }, entries.map(([key, label]) => el("li", {}, svg("svg", { width: 14, height: 14, "aria-hidden": "true" }, svg("rect", { width: 14, height: 14, class: `${kind}-${key}` })), label)));
}

// rows: [{label, cells: [{cls, title} | null]}]
export function grid(rows, { label, cell = 14, gap = 2, left = 96, top = 4 }) {
  const columns = Math.max(1, ...rows.map((r) => r.cells.length));
  const width = left + columns * (cell + gap);
  const height = top + rows.length * (cell + gap);
  const marks = [];
  rows.forEach((row, y) => {
    marks.push(svg("text", { x: 0, y: top + y * (cell + gap) + cell - 3, class: "axis" }, row.label));
    row.cells.forEach((c, x) => {
      if (!c) return;
      marks.push(svg("rect", { x: left + x * (cell + gap), y: top + y * (cell + gap), width: cell, height: cell, class: c.cls }, svg("title", {}, c.title)));
    });
  });
  return svg("svg", { role: "img", "aria-label": label, viewBox: `0 0 ${width} ${height}`, width, height, class: "grid" }, marks);
}

// series: [{key, label, points: [{x: index, y}]}], marks: [{x: index, title}]
export function lines(series, marks, { label, days, yMax = 10, width = 720, height = 220 }) {
  const left = 32, right = 8, top = 8, bottom = 40;
  const span = Math.max(1, days.length - 1);
  const X = (i) => left + (i / span) * (width - left - right);
  const Y = (v) => top + (1 - v / yMax) * (height - top - bottom);
  const parts = [];
  for (const v of [0, yMax / 2, yMax]) {
    parts.push(svg("line", { x1: left, x2: width - right, y1: Y(v), y2: Y(v), class: "gridline" }));
    parts.push(svg("text", { x: 2, y: Y(v) + 4, class: "axis" }, String(v)));
  }
  days.forEach((day, i) => {
    if (i % Math.ceil(days.length / 8) === 0) parts.push(svg("text", { x: X(i), y: height - 22, class: "axis", "text-anchor": "middle" }, day.slice(5)));
  });
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ");
    parts.push(svg("path", { d, class: `line line-${s.key}` }));
    for (const p of s.points) parts.push(svg("circle", { cx: X(p.x), cy: Y(p.y), r: 3, class: `dot line-${s.key}` }, svg("title", {}, `${s.label} ${days[p.x]}: ${p.y}`)));
  }
  for (const m of marks) {
    parts.push(svg("path", { d: `M${X(m.x) - 5},${height - 4} L${X(m.x) + 5},${height - 4} L${X(m.x)},${height - 13} Z`, class: "practice" }, svg("title", {}, m.title)));
  }
  return svg("svg", { role: "img", "aria-label": label, viewBox: `0 0 ${width} ${height}`, width, height, class: "lines" }, parts);
}

// bars: [{label, value, max, title}]
export function bars(items, { label, width = 720, height = 160 }) {
  const max = Math.max(1, ...items.map((b) => b.max ?? b.value));
  const step = (width - 8) / Math.max(1, items.length);
  const parts = items.map((b, i) => {
    const h = ((height - 24) * b.value) / max;
    return svg("g", {},
      svg("rect", { x: 4 + i * step, y: height - 20 - h, width: Math.max(2, step - 3), height: h, class: "bar" }, svg("title", {}, b.title)),
      svg("text", { x: 4 + i * step + step / 2, y: height - 6, class: "axis", "text-anchor": "middle" }, b.label));
  });
  return svg("svg", { role: "img", "aria-label": label, viewBox: `0 0 ${width} ${height}`, width, height, class: "bars" }, parts);
}
