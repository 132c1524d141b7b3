// Today: open alerts to acknowledge, who is flagged and why, enrollment and yesterday.

import { studyPath } from "../api.js";
import { ago, el, pct, section, table } from "../dom.js";

export const title = "Today";

// The items whose answer can raise an alert, by the name the team knows them by.
const ITEMS = { S1: "stress", C1: "craving", N1: "feeling down or upset" };

function figure(label, value, note) {
  return el("div", { class: "figure" }, el("p", { class: "label" }, label), el("p", { class: "value" }, value), note ? el("p", {}, note) : null);
}

function alerts(ctx, open) {
  if (!open.length) return section("Open alerts", el("p", {}, "No open alerts."));
  const rows = open.map((alert) => {
    const button = el("button", {
      onclick: async () => {
        button.disabled = true;
        try {
          await ctx.call("POST", studyPath(ctx.study, `/alerts/${alert.id}/acknowledge`));
          button.closest("tr").remove();
          ctx.report(`Alert for ${alert.pseudonym} acknowledged.`);
        } catch (error) {
          button.disabled = false;
          ctx.report(error.message);
        }
      },
    }, `Acknowledge alert for ${alert.pseudonym}`);
    return [
      el("a", { href: `#/participants/${alert.pseudonym}` }, alert.pseudonym),
      alert.items.map((id) => (ITEMS[id] ? `${ITEMS[id]} (${id})` : id)).join(", "),
      el("time", { datetime: alert.created_at }, ago(alert.created_at)),
      button,
    ];
  });
  return section("Open alerts", table(null, ["Participant", "High answers", "Raised", ""], rows, { class: "alerts" }));
}

function flagged(list) {
  if (!list.length) return section("Flagged participants", el("p", {}, "Nobody is flagged today."));
  const rows = list.map((p) => [
    el("a", { href: `#/participants/${p.pseudonym}` }, p.pseudonym),
    el("ul", { class: "flags" }, p.flags.map((f) => el("li", { "data-flag": f.code }, f.reason))),
  ]);
  return section("Flagged participants", table(null, ["Participant", "Why"], rows, { class: "flagged" }));
}

export async function render(ctx) {
  const [today, open] = await Promise.all([
    ctx.call("GET", studyPath(ctx.study, "/today")),
    ctx.can("alerts:manage") ? ctx.call("GET", studyPath(ctx.study, "/alerts")) : Promise.resolve(null),
  ]);
  return [
    el("h2", {}, "Today"),
    el(
      "div",
      { class: "figures" },
      figure("Enrolled this week", String(today.enrolled_this_week), `${today.enrolled_total} in all, ${today.active} active`),
      figure("Yesterday's completion", pct(today.yesterday_completion), `of ${today.yesterday_due} prompts due`),
      figure("Flagged", String(today.flagged.length)),
    ),
    open ? alerts(ctx, open) : null,
    flagged(today.flagged),
  ].filter(Boolean);
}
