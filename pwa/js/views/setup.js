// The stages around a practice's steps: choosing how to do it, the before and after ratings,
// a start delay for the quiet timer, and a pause for crisis help when a rating is very high.

import * as api from "../api.js";
import { $, focusTop, html, render } from "../html.js";
import { attach, questions } from "./form.js";
import { showOffers } from "./offers.js";

function radios(name, legend, items, checked) {
  const choices = items.map(
    ([value, label]) => html`<label class="choice"><input type="radio" name="${name}"
      value="${value}" ${value === checked ? html`checked` : ""}> <span>${label}</span></label>`,
  );
  return html`<fieldset><legend>${legend}</legend>${choices}</fieldset>`;
}

function lengths(t, practice) {
  const minutes = (v) => Math.round(v.duration_s / 60);
  const items = [...practice.variants]
    .sort((a, b) => a.duration_s - b.duration_s || a.sleep - b.sleep)
    .map((v) => [v.key, t(v.sleep ? "player.sleep_variant" : "common.minutes", { n: minutes(v) })]);
  const standard = practice.variants.find((v) => v.default)?.key;
  return radios("variant", t("player.length"), items, standard);
}

function timerChoices(t, timer) {
  const bells = timer.interval_bell_min.map((m) => [
    String(m),
    m ? t("player.every", { n: m }) : t("player.no_interval"),
  ]);
  const delays = timer.start_delay_s.map((s) => [
    String(s),
    s ? t("player.delay_s", { n: s }) : t("player.delay_none"),
  ]);
  return html`${radios("bell", t("player.interval"), bells, "0")}
    ${radios("delay", t("player.delay"), delays, "0")}`;
}

function sound(t, hasAudio) {
  if (hasAudio) return html`<p class="muted">${t("player.recording")}</p>`;
  if (!globalThis.speechSynthesis) return "";
  return html`<label class="choice"><input type="checkbox" name="voice">
    <span>${t("player.voice")}</span></label>`;
}

export function setup(t, practice, hasAudio) {
  const options = practice.options.map((o) => [o.key, o.label]);
  return html`
    <h1 tabindex="-1">${practice.title}</h1>
    <p>${practice.summary}</p>
    ${practice.before_start ? html`<p class="card soft">${practice.before_start}</p>` : ""}
    <form id="setup">
      ${lengths(t, practice)}
      ${options.length ? radios("option", t("player.option"), options) : ""}
      ${practice.timer ? timerChoices(t, practice.timer) : ""}
      ${sound(t, hasAudio)}
      <p class="muted">${t("player.stop_anytime")}</p>
      <button class="button wide" type="submit">${t("player.start")}</button>
    </form>`;
}

export function ratings(root, ctx, instrumentId, { heading, intro, skip }) {
  return new Promise((resolve) => {
    api.instrument(instrumentId).then(
      (instrument) => {
        render(
          root,
          html`<h1 tabindex="-1">${heading}</h1><p>${intro}</p>
          <form id="ratings" novalidate>${questions(ctx.t, instrument, "r")}
          <div class="actions"><button class="button" type="submit">${ctx.t("player.ratings_done")}</button>
          <button class="button secondary" type="button" id="skip">${skip}</button></div></form>`,
        );
        focusTop(root);
        const form = attach($("#ratings", root), instrument, ctx.t);
        $("#ratings", root).addEventListener("submit", (event) => {
          event.preventDefault();
          resolve({ instrument, answers: form.answers() });
        });
        $("#skip", root).addEventListener("click", () => resolve(null));
      },
      () => resolve(null), // offline and never fetched: the practice goes on without ratings
    );
  });
}

export async function countdown(root, ctx, seconds) {
  for (let left = seconds; left > 0; left -= 1) {
    render(
      root,
      html`<h1 tabindex="-1">${ctx.t("player.starting")}</h1><span class="timer" role="timer">${left}</span>`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export function crisisPause(root, ctx) {
  return new Promise((resolve) => {
    render(
      root,
      html`<h1 tabindex="-1">${ctx.t("offers.crisis_title")}</h1><div id="offers"></div>
      <button class="button wide" type="button" id="go-on">${ctx.t("player.continue")}</button>`,
    );
    showOffers($("#offers", root), ctx, [{ id: null, rule: "crisis_help" }]);
    focusTop(root);
    $("#go-on", root).addEventListener("click", resolve);
  });
}
