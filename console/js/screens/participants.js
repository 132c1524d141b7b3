// Participants: every participant in a table sorted and filtered here, from one API read.

import { studyPath } from "../api.js";
import { ago, el, pct } from "../dom.js";

export const title = "Participants";

const NONE = -Infinity;
// [key, heading, the value shown, the value sorted by]
const COLUMNS = [
  ["pseudonym", "Pseudonym", (r) => el("a", { href: `#/participants/${r.pseudonym}` }, r.pseudonym), (r) => r.pseudonym],
  ["status", "Status", (r) => r.status, (r) => r.status],
  ["stage", "Stage", (r) => r.stage || "—", (r) => r.stage || ""],
  ["program_week", "Week", (r) => String(r.program_week), (r) => r.program_week],
  ["last_seen_at", "Last seen", (r) => ago(r.last_seen_at), (r) => (r.last_seen_at ? Date.parse(r.last_seen_at) : NONE)],
  ["notifications", "Notifications", (r) => (r.notifications === "failing" ? `failing (${r.notifications_reason})` : r.notifications), (r) => r.notifications],
  ["completion_7d", "Completion, 7 days", (r) => pct(r.completion_7d), (r) => r.completion_7d ?? NONE],
  ["practice_minutes_7d", "Practice min, 7 days", (r) => String(r.practice_minutes_7d), (r) => r.practice_minutes_7d],
  ["next_wave", "Next wave", (r) => r.next_wave || "—", (r) => r.next_wave || ""],
  ["flags", "Flags", (r) => String(r.flags.length || ""), (r) => r.flags.length],
];

export function rowsOf(rows) {
  return rows.map((r) => {
    const tr = document.createElement("tr");
    if (r.flags.length) tr.className = "flagged";
    for (const [, , shown] of COLUMNS) {
      const td = document.createElement("td");
      td.append(shown(r));
      tr.append(td);
    }
    return tr;
  });
}

export function participantsTable(all) {
  const state = { key: "pseudonym", up: true, text: "", status: "", health: "", flaggedOnly: false };
  const body = el("tbody");
  const count = el("p", { role: "status", class: "count" });
  const heads = COLUMNS.map(([key, label]) => {
    const button = el("button", { type: "button", class: "sort", onclick: () => sortBy(key) }, label);
    return el("th", { scope: "col", "data-key": key }, button);
  });
  function draw() {
    const text = state.text.trim().toUpperCase();
    const sorter = COLUMNS.find(([key]) => key === state.key)[3];
    const shown = all
      .filter((r) => !text || r.pseudonym.includes(text))
      .filter((r) => !state.status || r.status === state.status)
      .filter((r) => !state.health || r.notifications === state.health)
      .filter((r) => !state.flaggedOnly || r.flags.length)
      .sort((a, b) => {
        const x = sorter(a);
        const y = sorter(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (state.up ? 1 : -1);
      });
    body.replaceChildren(...rowsOf(shown));
    count.textContent = `${shown.length} of ${all.length} participants`;
    for (const th of heads) {
      th.setAttribute("aria-sort", th.dataset.key === state.key ? (state.up ? "ascending" : "descending") : "none");
    }
  }
  function sortBy(key) {
    state.up = state.key === key ? !state.up : true;
    state.key = key;
    draw();
  }
  const filters = el(
    "div",
    { class: "filters" },
    el("label", {}, "Find a pseudonym", el("input", { type: "search", oninput: (e) => { state.text = e.target.value; draw(); } })),
    el("label", {}, "Status", el("select", { onchange: (e) => { state.status = e.target.value; draw(); } },
      el("option", { value: "" }, "any"), el("option", { value: "active" }, "active"), el("option", { value: "withdrawn" }, "withdrawn"))),
    el("label", {}, "Notifications", el("select", { onchange: (e) => { state.health = e.target.value; draw(); } },
      el("option", { value: "" }, "any"), el("option", { value: "ok" }, "ok"), el("option", { value: "failing" }, "failing"), el("option", { value: "stopped" }, "stopped"))),
    el("label", { class: "check" }, el("input", { type: "checkbox", onchange: (e) => { state.flaggedOnly = e.target.checked; draw(); } }), "Flagged only"),
  );
  const tableNode = el("table", { class: "roster" }, el("caption", {}, "Participants (choose a heading to sort)"), el("thead", {}, el("tr", {}, heads)), body);
  draw();
  return [filters, count, el("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "Participants table" }, tableNode)];
}

export async function render(ctx, pseudonym) {
  if (pseudonym) {
    const page = await import("./participant.js");
    return page.render(ctx, pseudonym);
  }
  const rows = await ctx.call("GET", studyPath(ctx.study, "/roster"));
  return [el("h2", {}, "Participants"), ...participantsTable(rows)];
}
