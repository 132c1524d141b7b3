// Every practice she can do now, and the ones that open in later weeks.

import * as api from "../api.js";
import { html, render } from "../html.js";

function durations(t, practice) {
  const minutes = practice.variants.map((v) => Math.round(v.duration_s / 60));
  return t("practices.durations", {
    list: [...new Set(minutes)].sort((a, b) => a - b).join(" · "),
  });
}

function tile(t, practice) {
  if (!practice.unlocked) {
    return html`<li><div class="tile" aria-disabled="true"><strong>${practice.title}</strong>
      <span class="muted">${practice.unlock_week ? t("practices.opens", { n: practice.unlock_week }) : t("practices.later")}</span></div></li>`;
  }
  return html`<li><a class="tile" href="#/practice/${practice.id}"><strong>${practice.title}</strong>
    <span>${practice.summary}</span><br><span class="muted">${durations(t, practice)}</span></a></li>`;
}

export default async function practices(root, ctx) {
  const { t } = ctx;
  let list = [];
  try {
    list = await api.practices();
  } catch {
    render(
      root,
      html`<h1 tabindex="-1">${t("practices.title")}</h1><p>${t("common.offline_empty")}</p>`,
    );
    return;
  }
  const open = list.filter((p) => p.unlocked);
  const later = list
    .filter((p) => !p.unlocked)
    .sort((a, b) => (a.unlock_week ?? 99) - (b.unlock_week ?? 99));
  render(
    root,
    html`
    <h1 tabindex="-1">${t("practices.title")}</h1>
    <p>${t("practices.intro")}</p>
    <ul class="list">${open.map((p) => tile(t, p))}</ul>
    ${later.length ? html`<h2>${t("practices.later_title")}</h2><ul class="list">${later.map((p) => tile(t, p))}</ul>` : ""}`,
  );
}
