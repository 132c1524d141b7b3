// Study-wide compliance: the prompt funnel by week, participants by study day, by hour.

import { studyPath } from "../api.js";
import { bars, grid, legend } from "../charts.js";
import { el, pct, section, table } from "../dom.js";

export const title = "Compliance";

const STEPS = ["scheduled", "sent", "delivered", "opened", "completed"];
const BANDS = [["0", "under 25%"], ["1", "25–49%"], ["2", "50–74%"], ["3", "75% or more"]];

function band(rate) {
  return rate < 0.25 ? 0 : rate < 0.5 ? 1 : rate < 0.75 ? 2 : 3;
}

function funnel(weeks) {
  if (!weeks.length) return section("Prompt funnel by week", el("p", {}, "No prompts due yet."));
  const rows = weeks.map((w) => [w.week_start, ...STEPS.map((s) => `${w[s]}${s === "scheduled" ? "" : ` (${pct(w.scheduled ? w[s] / w.scheduled : null)})`}`)]);
  return section("Prompt funnel by week", table(null, ["Week of", ...STEPS.map((s) => s[0].toUpperCase() + s.slice(1))], rows, { class: "funnel" }));
}

function days(rows) {
  const label = `Answered share of settled prompts for ${rows.length} participants, by study day`;
  const cells = rows.map((r) => ({
    label: r.pseudonym,
    cells: r.rates.map((rate, i) => (rate === null ? null : { cls: `band-${band(rate)}`, title: `${r.pseudonym}, day ${i + 1}: ${pct(rate)}` })),
  }));
  return section("Participants by study day", el("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "Study days heatmap" }, grid(cells, { label, cell: 10, left: 110 })), legend(BANDS, "band"));
}

function hours(list) {
  const items = list.map((h) => ({ label: h.hour % 3 === 0 ? String(h.hour) : "", value: h.due ? h.completed / h.due : 0, max: 1, title: `${h.hour}:00 — ${h.completed} of ${h.due} answered (${pct(h.due ? h.completed / h.due : null)})` }));
  return section("Completion by hour of her day", bars(items, { label: "Share of prompts answered, by the local hour they were due" }));
}

export async function render(ctx) {
  const found = await ctx.call("GET", studyPath(ctx.study, "/compliance/trends"));
  return [el("h2", {}, "Study-wide compliance"), funnel(found.weeks), days(found.days), hours(found.hours),
    el("p", {}, el("a", { href: `/api/research/v1${studyPath(ctx.study, "/compliance?format=csv")}`, download: "" }, "Compliance per participant (CSV)"))];
}
