// Crisis help, one tap from every screen: the study's own list when the server has given it,
// else a list built into the app, so it works with no connection at all.

import * as api from "../api.js";
import { html, render } from "../html.js";

const BUILT_IN = [
  { id: "lifeline_988", phone: "988", sms: "988" },
  { id: "emergency_911", phone: "911" },
  { id: "samhsa", phone: "1-800-662-4357" },
  { id: "maternal_mh", phone: "1-833-852-6262", sms: "1-833-852-6262" },
  { id: "poison_control", phone: "1-800-222-1222" },
];

export async function resources(t) {
  try {
    const found = await api.help();
    if (found?.resources?.length) return found;
  } catch {
    // no connection and nothing cached yet: the built-in list below
  }
  return {
    contact: null,
    resources: BUILT_IN.map((r) => ({
      ...r,
      name: t(`help.builtin.${r.id}.name`),
      description: t(`help.builtin.${r.id}.description`),
    })),
  };
}

const digits = (number) => number.replace(/[^0-9+]/g, "");

export function resourceList(t, list, { compact = false } = {}) {
  return html`<ul class="list${compact ? " compact" : ""}">${list.map(
    (r) => html`<li class="${compact ? "" : "card"}"><h3>${r.name}</h3>
      ${r.description && !compact ? html`<p>${r.description}</p>` : ""}
      <div class="actions">
        ${r.phone ? html`<a class="button" href="tel:${digits(r.phone)}">${t("help.call", { number: r.phone })}</a>` : ""}
        ${r.sms ? html`<a class="button secondary" href="sms:${digits(r.sms)}">${t("help.text", { number: r.sms })}</a>` : ""}
        ${!compact && /^https?:\/\//.test(r.url ?? "") ? html`<a class="button secondary" href="${r.url}" rel="noopener" target="_blank">${t("help.website")}<span class="visually-hidden">: ${r.name}</span></a>` : ""}
      </div></li>`,
  )}</ul>`;
}

export default async function help(root, ctx) {
  const { t } = ctx;
  const found = await resources(t);
  render(
    root,
    html`
    <h1 tabindex="-1">${t("help.title")}</h1>
    <p class="card notice"><strong>${t("help.danger")}</strong></p>
    ${resourceList(t, found.resources)}
    ${found.contact ? html`<section class="card"><h2>${t("help.study_team")}</h2><p>${found.contact}</p></section>` : ""}
    <section class="card soft" aria-labelledby="naloxone">
      <h2 id="naloxone">${t("help.naloxone_title")}</h2>
      <ul>${t("help.naloxone")
        .split("\n")
        .map((line) => html`<li>${line}</li>`)}</ul>
    </section>
    <p class="muted">${t(found.staff_alerts ? "help.team_alerted" : "help.nobody_watching")}</p>`,
  );
}
