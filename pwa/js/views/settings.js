// Settings: language, waking hours, reminders, the app PIN, what is shared, what is waiting to
// be sent, and leaving the study.

import * as api from "../api.js";
import { kv } from "../db.js";
import { $, html, render } from "../html.js";
import { formatDate, language } from "../i18n.js";
import * as outbox from "../outbox.js";
import * as vault from "../vault.js";
import { resetPhone, validPin } from "./lock.js";
import * as notify from "./notify.js";

const hhmm = (time, fallback) => (time ? time.slice(0, 5) : fallback);

function languageSection(t) {
  const radio = (
    code,
    label,
  ) => html`<label class="choice"><input type="radio" name="language" value="${code}"
    ${language() === code ? html`checked` : ""}> <span lang="${code}">${label}</span></label>`;
  return html`<fieldset><legend>${t("settings.language")}</legend>
    <div class="inline-choices">${radio("en", "English")}${radio("es", "Español")}</div></fieldset>`;
}

function hoursSection(t, me) {
  return html`<form id="hours" class="card" aria-labelledby="hours-title"><h2 id="hours-title">${t("enroll.hours")}</h2>
    <p class="hint">${t("enroll.hours_hint")}</p>
    <div class="field"><label for="wake">${t("enroll.wake")}</label><input id="wake" type="time" value="${hhmm(me?.wake_time, "07:00")}"></div>
    <div class="field"><label for="sleep">${t("enroll.sleep")}</label><input id="sleep" type="time" value="${hhmm(me?.sleep_time, "22:00")}"></div>
    ${me?.practice_reminders ? reminderField(t, me) : ""}
    <button class="button" type="submit">${t("settings.save_hours")}</button></form>`;
}

// Only in a study whose trial makes her reminder time a decision point: the time is hers, and
// on some days (drawn by the trial) a gentle reminder comes then.
function reminderField(t, me) {
  return html`<div class="field"><label for="reminder">${t("settings.reminder")}</label>
    <p class="hint" id="reminder-hint">${t("settings.reminder_hint")}</p>
    <input id="reminder" type="time" aria-describedby="reminder-hint" value="${hhmm(me?.practice_reminder_time, "")}"></div>`;
}

function pinSection(t, hasPin, lockAfter) {
  const minutes = [1, 5, 15].map(
    (n) =>
      html`<option value="${n}" ${n === lockAfter ? html`selected` : ""}>${t("common.minutes", { n })}</option>`,
  );
  const field = (id, label) => html`<div class="field"><label for="${id}">${t(label)}</label>
    <input id="${id}" type="password" inputmode="numeric" autocomplete="off" aria-describedby="pin-msg"></div>`;
  return html`<section class="card" aria-labelledby="pin-title"><h2 id="pin-title">${t("settings.pin_title")}</h2>
    <p>${t(hasPin ? "settings.pin_on" : "settings.pin_explain")}</p>
    <p><strong id="pin-warning">${t("settings.pin_warning")}</strong></p>
    <form id="pin-form" novalidate>
      ${hasPin ? field("pin-current", "settings.pin_current") : ""}
      ${field("pin-new", hasPin ? "settings.pin_new_optional" : "settings.pin_new")}
      ${field("pin-again", "settings.pin_again")}
      <p class="error" id="pin-msg" role="alert"></p>
      <div class="actions">
        <button class="button secondary" type="submit" value="set">${t(hasPin ? "settings.pin_change" : "settings.pin_set")}</button>
        ${hasPin ? html`<button class="button secondary" type="submit" value="remove" id="pin-remove">${t("settings.pin_remove")}</button>` : ""}
      </div>
    </form>
    <div class="field"><label for="lock-after">${t("settings.lock_after")}</label><select id="lock-after">${minutes}</select></div></section>`;
}

function myDataSection(t) {
  return html`<section class="card" aria-labelledby="mydata-title"><h2 id="mydata-title">${t("settings.mydata_title")}</h2>
    <p>${t("settings.mydata_explain")}</p>
    <p><a class="button secondary" href="#/mydata">${t("settings.mydata_open")}</a></p></section>`;
}

function sharedSection(t, me) {
  const list = (key) =>
    html`<ul>${t(key)
      .split("\n")
      .map((line) => html`<li>${line}</li>`)}</ul>`;
  return html`<section class="card soft" aria-labelledby="shared"><h2 id="shared">${t("privacy.sees_title")}</h2>
    ${list("privacy.sees")}<h3>${t("privacy.phone_title")}</h3>${list("privacy.phone")}<p>${t("privacy.never")}</p>
    <p>${t(me?.staff_alerts ? "privacy.watch_alerts" : "privacy.watch_none")}</p></section>`;
}

function waitingSection(t, pending, kept) {
  return html`<section class="card" aria-labelledby="waiting"><h2 id="waiting">${t("settings.waiting_title")}</h2>
    <p>${pending.length ? t("home.pending", { n: pending.length }) : t("settings.nothing_waiting")}</p>
    ${
      kept.length
        ? html`<p>${t("settings.kept_explain")}</p><ul class="list">${kept.map(
            (r) => html`<li class="card notice">
      <strong>${t(`settings.kind.${r.kind}`)}</strong> · ${formatDate(r.created_at)}
      <p class="muted">${r.error?.message ?? ""}</p>
      <button type="button" class="button secondary" data-forget="${r.id}">${t("settings.forget")}</button></li>`,
          )}</ul>`
        : ""
    }</section>`;
}

function leaveSection(t, me) {
  if (me?.status === "withdrawn")
    return html`<section class="card"><h2>${t("settings.leave_title")}</h2><p>${t("home.withdrawn_body")}</p></section>`;
  return html`<section class="card" aria-labelledby="leave"><h2 id="leave">${t("settings.leave_title")}</h2>
    <p>${t("settings.leave_explain")}</p>
    <button type="button" class="button secondary" id="leave-start">${t("settings.leave")}</button>
    <div id="leave-confirm" hidden><p><strong>${t("settings.leave_sure")}</strong></p>
      <div class="actions"><button type="button" class="button" id="leave-yes">${t("settings.leave_yes")}</button>
      <button type="button" class="button secondary" id="leave-no">${t("settings.leave_no")}</button></div></div>
    <p class="error" id="leave-error" role="alert"></p></section>`;
}

export default async function settings(root, ctx) {
  const { t } = ctx;
  const me = await ctx.loadMe();
  const [pending, kept] = await Promise.all([outbox.pending(), outbox.kept()]);
  const lockAfter = (await kv.get("lockAfterMin")) ?? 5;
  render(
    root,
    html`<h1 tabindex="-1">${t("settings.title")}</h1>
    ${languageSection(t)}${hoursSection(t, me)}${notify.section(t)}${pinSection(t, ctx.app.hasPin, lockAfter)}
    ${sharedSection(t, me)}${myDataSection(t)}${waitingSection(t, pending, kept)}${leaveSection(t, me)}
    <section class="card" aria-labelledby="wipe"><h2 id="wipe">${t("settings.wipe_title")}</h2><p>${t("settings.wipe_explain")}</p>
      <button type="button" class="button secondary" id="wipe-start">${t("settings.wipe")}</button></section>`,
  );
  wire(root, ctx, me);
  notify.wire(root, ctx);
}

function wire(root, ctx, me) {
  const { t } = ctx;
  const active = me?.status === "active";
  for (const radio of root.querySelectorAll("input[name=language]")) {
    radio.addEventListener("change", async () => {
      if (active) await outbox.save(api.writes.updateMe({ language: radio.value }), "settings");
      await ctx.setLanguage(radio.value);
      ctx.status(t("settings.language_saved"));
    });
  }
  $("#hours", root).addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!active) return;
    const changes = { wake_time: $("#wake", root).value, sleep_time: $("#sleep", root).value };
    const reminder = $("#reminder", root);
    if (reminder) changes.practice_reminder_time = reminder.value || null;
    ctx.saved(await outbox.save(api.writes.updateMe(changes), "settings"));
  });
  $("#pin-form", root).addEventListener("submit", (event) => {
    event.preventDefault();
    changePin(root, ctx, event.submitter?.value ?? "set");
  });
  $("#lock-after", root).addEventListener("change", async (event) => {
    await kv.set("lockAfterMin", Number(event.target.value));
    ctx.app.lockAfterMs = Number(event.target.value) * 60_000;
  });
  root.querySelectorAll("[data-forget]").forEach((button) =>
    button.addEventListener("click", async () => {
      await outbox.forget(button.dataset.forget);
      await settings(root, ctx);
    }),
  );
  wireLeave(root, ctx);
  $("#wipe-start", root).addEventListener("click", (event) => {
    if (event.target.dataset.sure) return resetPhone();
    event.target.dataset.sure = "1";
    event.target.textContent = t("settings.wipe_sure");
  });
}

// Setting, changing or removing the PIN seals her notes again under the new key (vault.js).
async function changePin(root, ctx, action) {
  const { t } = ctx;
  const message = $("#pin-msg", root);
  const pin = $("#pin-new", root).value;
  const current = $("#pin-current", root)?.value;
  if (action === "remove") {
    if (!(await vault.removePin(current))) return (message.textContent = t("lock.wrong"));
    ctx.app.hasPin = false;
    ctx.status(t("settings.pin_removed"));
  } else {
    if (!validPin(pin)) return (message.textContent = t("settings.pin_rule"));
    if (pin !== $("#pin-again", root).value)
      return (message.textContent = t("settings.pin_mismatch"));
    if (ctx.app.hasPin) {
      if (!(await vault.changePin(current, pin))) return (message.textContent = t("lock.wrong"));
      ctx.status(t("settings.pin_changed"));
    } else {
      await vault.setPin(pin);
      ctx.app.hasPin = true;
      ctx.status(t("settings.pin_saved"));
    }
  }
  await settings(root, ctx);
  $("#pin-title", root).focus?.();
}

function wireLeave(root, ctx) {
  const start = $("#leave-start", root);
  if (!start) return;
  const confirm = $("#leave-confirm", root);
  start.addEventListener("click", () => {
    confirm.hidden = false;
    $("#leave-no", root).focus();
  });
  $("#leave-no", root).addEventListener("click", () => {
    confirm.hidden = true;
    start.focus();
  });
  $("#leave-yes", root).addEventListener("click", async () => {
    try {
      ctx.app.me = await api.withdraw();
      ctx.status(ctx.t("settings.left"));
      await settings(root, ctx);
    } catch {
      $("#leave-error", root).textContent = ctx.t("settings.leave_offline");
    }
  });
}
