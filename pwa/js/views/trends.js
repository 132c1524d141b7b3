// Her own trends: feelings by day, before vs after practice, and practice minutes by week.

import * as api from "../api.js";
import { html, render } from "../html.js";
import { formatDate, formatNumber } from "../i18n.js";
import { beforeAfterChart, lineChart, minutesChart } from "./charts.js";

const FEELINGS = ["stress", "craving", "positive_affect"];

function feeling(t, summary, name) {
  const days = summary.daily
    .filter((d) => d[name] != null)
    .map((d) => ({ date: d.date, value: d[name] }));
  const label = t(`trends.${name}`);
  if (!days.length) return html`<h3>${label}</h3><p class="muted">${t("trends.no_data")}</p>`;
  const average = days.reduce((sum, d) => sum + d.value, 0) / days.length;
  const text = t("trends.average", {
    value: formatNumber(average),
    days: t("common.days", { n: days.length }),
  });
  return html`<h3>${label}</h3>${lineChart({ days, label, summary: text })}<p>${text}</p>`;
}

function beforeAfter(t, summary) {
  const rows = FEELINGS.map((name) => ({
    name: t(`trends.${name}`),
    ...summary.before_after[name],
  })).filter((row) => row.sessions > 0 && row.before != null && row.after != null);
  if (!rows.length) return html`<p class="muted">${t("trends.no_pairs")}</p>`;
  const lines = rows.map((r) =>
    t("trends.pair", {
      name: r.name,
      before: formatNumber(r.before),
      after: formatNumber(r.after),
    }),
  );
  return html`${beforeAfterChart({ rows, label: lines.join(". "), beforeText: t("trends.before"), afterText: t("trends.after") })}
    <ul>${lines.map((line) => html`<li>${line}</li>`)}</ul>`;
}

function table(t, summary) {
  if (!summary.daily.length) return "";
  const cell = (v) => (v == null ? "–" : formatNumber(v));
  return html`<details><summary>${t("trends.table")}</summary><table>
    <thead><tr><th scope="col">${t("trends.date")}</th>${FEELINGS.map((n) => html`<th scope="col">${t(`trends.${n}`)}</th>`)}</tr></thead>
    <tbody>${summary.daily.map((d) => html`<tr><th scope="row">${formatDate(d.date)}</th>${FEELINGS.map((n) => html`<td>${cell(d[n])}</td>`)}</tr>`)}</tbody>
  </table></details>`;
}

export default async function trends(root, ctx) {
  const { t } = ctx;
  let summary;
  try {
    summary = await api.summary();
  } catch {
    render(
      root,
      html`<h1 tabindex="-1">${t("trends.title")}</h1><p>${t("common.offline_empty")}</p>`,
    );
    return;
  }
  const minutes = summary.weeks.map((w) =>
    t("trends.week_minutes", { n: w.week, minutes: t("common.minutes", { n: w.minutes }) }),
  );
  render(
    root,
    html`
    <h1 tabindex="-1">${t("trends.title")}</h1>
    <p>${t("trends.intro")}</p>
    <section class="card" aria-labelledby="felt"><h2 id="felt">${t("trends.felt")}</h2>
      ${FEELINGS.map((name) => feeling(t, summary, name))}${table(t, summary)}</section>
    <section class="card" aria-labelledby="pairs"><h2 id="pairs">${t("trends.pairs_title")}</h2>${beforeAfter(t, summary)}</section>
    <section class="card" aria-labelledby="minutes"><h2 id="minutes">${t("trends.minutes_title")}</h2>
      ${minutesChart({ weeks: summary.weeks, label: minutes.join(". "), weekText: t("trends.week_short") })}
      <p>${t("trends.total", { days: t("common.days", { n: summary.practice_days }), minutes: t("common.minutes", { n: summary.minutes }) })}</p>
    </section>`,
  );
}
