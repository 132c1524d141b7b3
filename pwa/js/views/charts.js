// Small SVG charts drawn here, readable without colour: every value is also written as text,
// the two bars of a pair differ in pattern and label, and each chart has a text alternative.

import { html } from "../html.js";
import { formatDate, formatNumber } from "../i18n.js";

const W = 320;
const H = 150;
const PAD = { left: 26, right: 10, top: 12, bottom: 26 };

// One feeling (0–10) over days: a line with a square marker and the value above each point.
export function lineChart({ days, label, summary }) {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (days.length === 1 ? innerW / 2 : (i * innerW) / (days.length - 1));
  const y = (v) => PAD.top + innerH - (v / 10) * innerH;
  const points = days.map((d, i) => [x(i), y(d.value), d]);
  const path = points
    .map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`)
    .join(" ");
  const showValues = days.length <= 10;
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}. ${summary}">
    ${[0, 5, 10].map(
      (
        v,
      ) => html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"></line>
      <text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    )}
    <path class="line" d="${path}"></path>
    ${points.map(
      ([
        px,
        py,
        d,
      ]) => html`<rect class="dot" x="${px - 4}" y="${py - 4}" width="8" height="8"></rect>
      ${showValues ? html`<text x="${px}" y="${py - 8}" text-anchor="middle">${formatNumber(d.value)}</text>` : ""}`,
    )}
    <text x="${days.length === 1 ? x(0) : PAD.left}" y="${H - 6}" text-anchor="${days.length === 1 ? "middle" : "start"}">${formatDate(days[0].date)}</text>
    ${days.length > 1 ? html`<text x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${formatDate(days.at(-1).date)}</text>` : ""}
  </svg>`;
}

// Before vs after practice, one pair of bars per feeling: plain bar before, striped bar after.
export function beforeAfterChart({ rows, label, beforeText, afterText }) {
  const rowH = 64;
  const height = rows.length * rowH + 10;
  const scale = (v) => ((W - 120) * v) / 10;
  return html`<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${label}">
    <defs><pattern id="stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect width="6" height="6" class="after"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="white" stroke-width="2"></line></pattern></defs>
    ${rows.map((row, i) => {
      const top = i * rowH + 6;
      return html`<text x="0" y="${top + 12}" font-weight="700">${row.name}</text>
        <text x="0" y="${top + 32}">${beforeText}</text>
        <rect class="before" x="70" y="${top + 20}" width="${scale(row.before)}" height="16"></rect>
        <text x="${76 + scale(row.before)}" y="${top + 32}">${formatNumber(row.before)}</text>
        <text x="0" y="${top + 54}">${afterText}</text>
        <rect fill="url(#stripes)" x="70" y="${top + 42}" width="${scale(row.after)}" height="16"></rect>
        <text x="${76 + scale(row.after)}" y="${top + 54}">${formatNumber(row.after)}</text>`;
    })}
  </svg>`;
}

// Practice minutes per program week, each bar labelled with its number.
export function minutesChart({ weeks, label, weekText }) {
  const barW = Math.min(40, (W - PAD.left) / Math.max(weeks.length, 1) - 8);
  const max = Math.max(10, ...weeks.map((w) => w.minutes));
  const innerH = H - PAD.top - PAD.bottom;
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}">
    <line class="grid" x1="0" x2="${W}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"></line>
    ${weeks.map((w, i) => {
      const h = (w.minutes / max) * innerH;
      const left = PAD.left / 2 + i * (barW + 8);
      return html`<rect class="after" x="${left}" y="${H - PAD.bottom - h}" width="${barW}" height="${h}"></rect>
        <text x="${left + barW / 2}" y="${H - PAD.bottom - h - 4}" text-anchor="middle">${w.minutes}</text>
        <text x="${left + barW / 2}" y="${H - 8}" text-anchor="middle">${weekText} ${w.week}</text>`;
    })}
  </svg>`;
}
