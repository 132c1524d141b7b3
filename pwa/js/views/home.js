// Home: one obvious next step, the week's theme, gentle progress she can hide, and the way to
// a breathing break or a hard-moment check-in.

import * as api from "../api.js";
import { kv } from "../db.js";
import { $, html, render } from "../html.js";
import { formatDate } from "../i18n.js";
import * as outbox from "../outbox.js";
import { openPrompts } from "../prompts.js";
import * as notify from "./notify.js";

const WEEK_MS = 7 * 24 * 3600 * 1000;
const ZONE_CHECK_DELAY_MS = 5000;

function nextStep(t, prompts, program, titles, me) {
  if (me?.status === "withdrawn") {
    return html`<section class="card soft"><h2>${t("home.withdrawn_title")}</h2>
      <p>${t("home.withdrawn_body")}</p>
      <a class="button wide" href="#/practices">${t("home.see_practices")}</a></section>`;
  }
  if (prompts.some((p) => p.kind !== "wave")) {
    const checkin = prompts.find((p) => p.kind !== "wave");
    return html`<section class="card soft"><h2>${t("home.checkin_ready")}</h2>
      <p>${t("home.checkin_ready_body")}</p>
      <a class="button wide" href="#/checkin/${checkin.id}">${t("home.answer_now")}</a></section>`;
  }
  const core = program?.this_week.core ?? [];
  const id = core.length ? core[(program.program_day - 1) % core.length] : "P03";
  const practice = titles[id];
  const minutes = practice
    ? Math.round(practice.variants.find((v) => v.default)?.duration_s / 60)
    : 0;
  return html`<section class="card soft" aria-labelledby="today"><p class="eyebrow" id="today">${t("home.today")}</p>
    <h2>${practice?.title ?? ""}</h2>
    ${practice ? html`<p>${practice.summary} <span class="muted">${t("common.minutes", { n: minutes })}</span></p>` : ""}
    <a class="button wide" href="#/practice/${id}">${t("home.start")}</a></section>`;
}

// An open questionnaire wave stays on Home, with the day it closes, until she sends it.
function wave(t, prompts) {
  const open = prompts.find((p) => p.kind === "wave");
  if (!open) return "";
  const date = formatDate(open.expires_at, { weekday: "long", month: "long", day: "numeric" });
  return html`<section class="card soft" id="wave"><h2>${t("questionnaire.ready_title")}</h2>
    <p>${t("questionnaire.ready_body", { date })}</p>
    <a class="button wide" href="#/questionnaire/${open.id}">${t("questionnaire.start")}</a></section>`;
}

function week(t, program) {
  if (!program) return "";
  const w = program.this_week;
  return html`<section class="card" aria-labelledby="week-theme">
    <p class="eyebrow">${t("home.week", { n: program.week })}</p>
    <h2 id="week-theme">${w.theme}</h2>
    <p>${w.daily_goal}</p>
    <details><summary>${t("home.lesson")}</summary><p>${w.lesson}</p></details></section>`;
}

function progress(t, program, hidden) {
  if (!program) return "";
  if (hidden) {
    return html`<p><button type="button" class="link-button" id="toggle-progress">${t("home.show_progress")}</button></p>`;
  }
  const { practice_days: days, minutes } = program.progress;
  return html`<section class="card" aria-labelledby="progress-title">
    <h2 id="progress-title">${t("home.progress_title")}</h2>
    <p>${days ? t("home.progress", { days: t("common.days", { n: days }), minutes: t("common.minutes", { n: minutes }) }) : t("home.progress_none")}</p>
    <p class="muted">${t("home.progress_kind")}</p>
    <div class="actions"><a class="button secondary" href="#/trends">${t("home.trends")}</a>
    <button type="button" class="button secondary" id="toggle-progress">${t("home.hide_progress")}</button></div></section>`;
}

function waiting(t, pending, kept) {
  const lines = [];
  if (pending) lines.push(html`<p>${t("home.pending", { n: pending })}</p>`);
  if (kept)
    lines.push(
      html`<p>${t("home.kept", { n: kept })} <a href="#/settings">${t("home.kept_link")}</a></p>`,
    );
  return lines.length ? html`<section class="card notice">${lines}</section>` : "";
}

// A calm word when reminders cannot reach her: one fixing button, and "Not now" hides it for a
// week. Never while she has left the study. Drawn after the rest of Home, which never waits
// for the server's answer.
async function reminderNotice(slot, ctx, me) {
  const { t } = ctx;
  if (me?.status !== "active" || Date.now() < ((await kv.get("reminderNoticeUntil")) ?? 0)) {
    return;
  }
  const mode = await notify.trouble().catch(() => null);
  if (!mode || !slot.isConnected) return;
  render(
    slot,
    html`<section class="card notice" aria-labelledby="reminder-notice">
    <h2 id="reminder-notice">${t(`home.reminders_${mode}_title`)}</h2>
    <p>${t(`home.reminders_${mode}_body`)}</p>
    <div class="actions"><button type="button" class="button" id="reminder-fix">${t(`home.reminders_${mode}_fix`)}</button>
    <button type="button" class="link-button" id="reminder-later">${t("home.reminders_later")}</button></div></section>`,
  );
  $("#reminder-later", slot).addEventListener("click", async () => {
    await kv.set("reminderNoticeUntil", Date.now() + WEEK_MS);
    slot.replaceChildren();
  });
  $("#reminder-fix", slot).addEventListener("click", async (event) => {
    event.currentTarget.disabled = true;
    const result = await notify.fix(mode).catch(() => "failed");
    if (result === "settings") location.hash = "#/settings";
    else {
      slot.replaceChildren();
      reminderNotice(slot, ctx, me);
    }
  });
}

async function keepTimezone(me) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (me?.status === "active" && zone && me.timezone !== zone) {
    const saved = await outbox.save(api.writes.updateMe({ timezone: zone }), "settings");
    // Kept as the server now has it, so the next start does not see a change and redraw.
    if (saved.result) await api.keepMe(saved.result);
  }
}

// What Home shows comes from what the phone keeps; a refresh that brings news draws it again.
const WATCHED = new Set(["/prompts", "/program", "/practices", "/me"]);

export default async function home(root, ctx) {
  await draw(root, ctx);
  const stopChanges = api.onChange((path) => {
    if (WATCHED.has(path)) draw(root, ctx);
  });
  // What was waiting on the phone went out (or was set aside): the note says so at once.
  const stopSettled = outbox.onSettled(async () => {
    const [pending, kept] = await Promise.all([outbox.pending(), outbox.kept()]);
    const slot = $("#waiting-slot", root);
    if (slot) render(slot, waiting(ctx.t, pending.length, kept.length));
  });
  return () => {
    stopChanges();
    stopSettled();
  };
}

async function draw(root, ctx) {
  const { t } = ctx;
  // Her check-ins are read with the rest when her status as already known says she is active:
  // each read of the phone's store in turn is a turn of a slow phone's CPU.
  const early = ctx.app.me?.status === "active" ? openPrompts("kept") : null;
  const [program, list, me, hideProgress, pending, kept] = await Promise.all([
    api.program().catch(() => null),
    api.practices().catch(() => []),
    ctx.loadMe("kept"),
    kv.get("hideProgress"),
    outbox.pending(),
    outbox.kept(),
  ]);
  const prompts = me?.status === "active" ? await (early ?? openPrompts("kept")) : [];
  const titles = Object.fromEntries(list.map((p) => [p.id, p]));
  const hidden = Boolean(hideProgress);
  render(
    root,
    html`
    <h1 tabindex="-1">${t("home.title")}</h1>
    ${nextStep(t, prompts, program, titles, me)}
    ${me?.status === "active" ? wave(t, prompts) : ""}
    <div class="actions">
      <a class="button secondary" href="#/checkin/hard">${t("home.hard_moment")}</a>
      <a class="button secondary" href="#/practice/P03">${t("home.breathing_break")}</a>
    </div>
    <div id="waiting-slot">${waiting(t, pending.length, kept.length)}</div>
    <div id="reminder-slot"></div>
    ${week(t, program)}
    ${progress(t, program, hidden)}`,
  );
  $("#toggle-progress", root)?.addEventListener("click", async () => {
    await kv.set("hideProgress", !hidden);
    await draw(root, ctx);
    $("#toggle-progress", root)?.focus();
  });
  reminderNotice($("#reminder-slot", root), ctx, me);
  // Reading the time zone wakes the phone's date library, a slow first call on a cheap phone:
  // it waits a few seconds, so that neither Home nor her first taps wait for it.
  setTimeout(() => keepTimezone(me), ZONE_CHECK_DELAY_MS);
}
