// Her data: everything the server holds about her (GET /me/export), shown plainly and saved as
// a file, and her request to delete it, in two clear steps. Never kept on the phone.

import * as api from "../api.js";
import { wipe } from "../db.js";
import { $, html, render } from "../html.js";
import { formatDate, formatTime } from "../i18n.js";
import * as vault from "../vault.js";

const when = (iso) => (iso ? `${formatDate(iso)}, ${formatTime(iso)}` : "");
const SHOWN = new Set([
  "consent_record",
  "response",
  "response_item",
  "practice_session",
  "questionnaire_score",
]);

function settingsPart(t, me) {
  const rows = ["timezone", "language", "wake_time", "sleep_time", "stage"].filter((k) => me[k]);
  return html`<section class="card" aria-labelledby="md-settings"><h2 id="md-settings">${t("mydata.settings")}</h2>
    <dl>${rows.map((k) => html`<dt class="muted">${t(`mydata.fields.${k}`)}</dt><dd>${me[k]}</dd>`)}
      <dt class="muted">${t("mydata.fields.enrolled_at")}</dt><dd>${when(me.enrolled_at)}</dd></dl>
    ${me.withdrawn_at ? html`<p>${t("mydata.withdrawn_on", { when: when(me.withdrawn_at) })}</p>` : ""}</section>`;
}

function consentPart(t, records) {
  return html`<section class="card" aria-labelledby="md-consent"><h2 id="md-consent">${t("mydata.consent")}</h2>
    <ul>${records.map((c) => html`<li>${t("mydata.agreed_on", { version: c.version, when: when(c.agreed_at) })}</li>`)}</ul></section>`;
}

function checkinsPart(t, responses, items) {
  const byResponse = new Map();
  for (const item of items) {
    byResponse.set(item.response_id, [...(byResponse.get(item.response_id) ?? []), item]);
  }
  const sorted = [...responses].sort((a, b) => b.submitted_at.localeCompare(a.submitted_at));
  return html`<section class="card" aria-labelledby="md-checkins"><h2 id="md-checkins">${t("mydata.checkins")}</h2>
    ${
      sorted.length
        ? html`<ul class="list">${sorted.map(
            (r) => html`<li><strong>${when(r.submitted_at)}</strong> · ${r.instrument_id}
            <p class="muted">${(byResponse.get(r.id) ?? [])
              .map((i) => `${i.item_id}: ${i.declined ? "—" : JSON.stringify(i.value)}`)
              .join(" · ")}</p></li>`,
          )}</ul>`
        : html`<p>${t("mydata.none")}</p>`
    }</section>`;
}

// Her own totals, plainly: the number and the range it runs over, never a band's name, which
// on its own could frighten her (the saved copy has everything).
function scoresPart(t, scores) {
  if (!scores.length) return "";
  return html`<section class="card" aria-labelledby="md-scores"><h2 id="md-scores">${t("mydata.scores")}</h2>
    <p class="muted">${t("mydata.scores_about")}</p>
    <ul class="list" id="mydata-scores">${scores.map(
      (s) => html`<li><strong>${s.title}</strong> · ${when(s.submitted_at)}
        <p>${s.score === null ? t("mydata.score_skipped") : t("mydata.score_line", s)}</p>
        ${s.skipped ? html`<p class="muted">${t("mydata.score_answered", s)}</p>` : ""}</li>`,
    )}</ul></section>`;
}

function practicesPart(t, sessions) {
  return html`<section class="card" aria-labelledby="md-practices"><h2 id="md-practices">${t("mydata.practices")}</h2>
    ${
      sessions.length
        ? html`<ul>${sessions.map((s) => html`<li>${when(s.started_at)} · ${s.practice_id} (${s.variant})</li>`)}</ul>`
        : html`<p>${t("mydata.none")}</p>`
    }</section>`;
}

function otherPart(t, records) {
  const rest = Object.entries(records).filter(([name]) => !SHOWN.has(name));
  return html`<section class="card" aria-labelledby="md-other"><h2 id="md-other">${t("mydata.other")}</h2>
    <dl>${rest.map(([name, rows]) => html`<dt class="muted">${t(`mydata.tables.${name}`)}</dt><dd>${t("mydata.count", { n: rows.length })}</dd>`)}</dl></section>`;
}

function deletePart(t, scope) {
  const explain = scope === "everything" ? "mydata.delete_everything" : "mydata.delete_keep";
  return html`<section class="card" aria-labelledby="md-delete"><h2 id="md-delete">${t("mydata.delete_title")}</h2>
    <p>${t(explain)}</p>
    <button type="button" class="button secondary" id="delete-start">${t("mydata.delete_start")}</button>
    <div id="delete-confirm" hidden><p><strong>${t("mydata.delete_sure")}</strong></p>
      <div class="actions"><button type="button" class="button" id="delete-yes">${t("mydata.delete_yes")}</button>
      <button type="button" class="button secondary" id="delete-no">${t("mydata.delete_no")}</button></div></div>
    <p class="error" id="delete-error" role="alert"></p></section>`;
}

function download(data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `savor-my-data-${data.exported_at.slice(0, 10)}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// Deleted: nothing of hers stays on this phone either, and the app starts again from the top.
async function forgetPhone(root, t) {
  vault.lock();
  await api.setToken(null);
  await wipe();
  for (const name of await caches.keys()) await caches.delete(name);
  render(
    root,
    html`<h1 tabindex="-1">${t("mydata.title")}</h1><p id="deleted" role="status">${t("mydata.deleted")}</p>`,
  );
}

function wireDelete(root, ctx) {
  const { t } = ctx;
  const confirm = $("#delete-confirm", root);
  $("#delete-start", root).addEventListener("click", () => {
    confirm.hidden = false;
    $("#delete-no", root).focus();
  });
  $("#delete-no", root).addEventListener("click", () => {
    confirm.hidden = true;
    $("#delete-start", root).focus();
  });
  $("#delete-yes", root).addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      await api.deleteMe();
    } catch (failure) {
      // A 401: an earlier try went through and only its answer was lost.
      if (failure.status !== 401) {
        $("#delete-error", root).textContent = t("mydata.delete_offline");
        event.target.disabled = false;
        return;
      }
    }
    ctx.app.me = null;
    await forgetPhone(root, t);
  });
}

export default async function mydata(root, ctx) {
  const { t } = ctx;
  let data;
  try {
    data = await api.myData();
  } catch {
    render(root, html`<h1 tabindex="-1">${t("mydata.title")}</h1><p>${t("mydata.offline")}</p>`);
    return;
  }
  const records = data.records;
  render(
    root,
    html`<h1 tabindex="-1">${t("mydata.title")}</h1>
    <p>${t("mydata.intro")}</p>
    <p><button type="button" class="button wide" id="mydata-download">${t("mydata.download")}</button></p>
    ${settingsPart(t, data.participant)}${consentPart(t, records.consent_record ?? [])}
    ${checkinsPart(t, records.response ?? [], records.response_item ?? [])}
    ${scoresPart(t, data.questionnaires ?? [])}
    ${practicesPart(t, records.practice_session ?? [])}${otherPart(t, records)}
    ${deletePart(t, data.on_deletion)}`,
  );
  $("#mydata-download", root).addEventListener("click", () => download(data));
  wireDelete(root, ctx);
}
