// The study's consent, in large type: the key facts first, on their own, then the full text a
// tap away. Shown before she joins (views/enroll.js draws it with `panel`) and, when the study
// has a newer version, before anything else at her next visit. Offline, she goes on as before
// and is asked again next time: her records are kept meanwhile.

import * as api from "../api.js";
import { $, html, render } from "../html.js";

export function panel(t, consent, { title, intro = "", agree, back = "" }) {
  const paragraphs = consent.document.split(/\n\s*\n/).filter((p) => p.trim());
  return html`<div class="consent" lang="${consent.language}">
    <h1 tabindex="-1">${title}</h1>
    ${intro ? html`<p>${intro}</p>` : ""}
    <section class="card consent-facts" aria-labelledby="facts-title">
      <h2 id="facts-title">${t("consent.facts_title")}</h2>
      <ul>${consent.key_facts.map((fact) => html`<li>${fact}</li>`)}
        <li>${t(consent.staff_alerts ? "privacy.watch_alerts" : "privacy.watch_none")}</li></ul>
    </section>
    <details class="consent-full"><summary>${t("consent.full")}</summary>
      ${paragraphs.map((p) => html`<p>${p.trim()}</p>`)}
      <p class="muted">${t("consent.version", { n: consent.version })}</p>
    </details>
    <p class="error" id="consent-error" role="alert"></p>
    <div class="actions">
      <button type="button" class="button" id="consent-agree">${agree}</button>
      ${back ? html`<button type="button" class="button secondary" id="consent-back">${back}</button>` : ""}
    </div>
  </div>`;
}

function offline(root, ctx) {
  const { t } = ctx;
  render(
    root,
    html`<h1 tabindex="-1">${t("consent.again_title")}</h1><p>${t("consent.offline")}</p>
      <p><button type="button" class="button" id="consent-later">${t("consent.continue")}</button></p>`,
  );
  $("#consent-later", root).addEventListener("click", () => {
    ctx.app.consentLater = true;
    ctx.go("#/");
  });
}

export default async function consentView(root, ctx, _route, note = "") {
  const { t } = ctx;
  let consent;
  try {
    consent = await api.consent();
  } catch {
    return offline(root, ctx);
  }
  const intro = note || t("consent.again_intro");
  render(
    root,
    html`${panel(t, consent, { title: t("consent.again_title"), intro, agree: t("consent.agree") })}
      <p class="hint">${t("consent.leave_hint")} <a href="#/settings">${t("nav.settings")}</a></p>`,
  );
  $("#consent-agree", root).addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      ctx.app.me = await api.agreeConsent(consent.version);
      ctx.status(t("consent.saved"));
      ctx.go("#/");
    } catch (failure) {
      if (failure.code === "consent_outdated") return consentView(root, ctx, _route, t("consent.changed"));
      if (failure.status === 0) return offline(root, ctx);
      $("#consent-error", root).textContent = t("error.body");
      event.target.disabled = false;
    }
  });
}
