// Check-ins: the open prompts, a check-in she starts herself, and the hard-moment report that
// offers a breathing break (and crisis help when the answers call for it).

import * as api from "../api.js";
import { kv } from "../db.js";
import { $, focusTop, html, render } from "../html.js";
import { formatTime } from "../i18n.js";
import * as outbox from "../outbox.js";
import { isoNow, openPrompts, rememberAnswered, today } from "../prompts.js";
import { go } from "../router.js";
import { attach, questions } from "./form.js";
import { localOffers, showOffers, withBreathing } from "./offers.js";

const SELF = { hard: "hard_moment", now: "momentary" };

async function listView(root, ctx) {
  const { t } = ctx;
  const prompts = await openPrompts();
  render(
    root,
    html`
    <h1 tabindex="-1">${t("checkin.title")}</h1>
    ${
      prompts.length
        ? html`<ul class="list">${prompts.map(
            (p) => html`<li><a class="tile" href="#/${p.kind === "wave" ? "questionnaire" : "checkin"}/${p.id}">
          <strong>${p.instrument?.title ?? t("checkin.prompt")}</strong>
          <span class="muted">${p.expires_at ? t("checkin.until", { time: formatTime(p.expires_at) }) : ""}</span></a></li>`,
          )}</ul>`
        : html`<p>${t("checkin.none")}</p>`
    }
    <div class="actions">
      <a class="button" href="#/checkin/now">${t("checkin.now")}</a>
      <a class="button secondary" href="#/checkin/hard">${t("home.hard_moment")}</a>
    </div>
    <p class="muted">${t("checkin.privacy")}</p>`,
  );
}

async function load(target) {
  if (SELF[target]) return { prompt: null, instrument: await api.instrument(SELF[target]) };
  const prompt = (await openPrompts()).find((p) => p.id === target);
  return prompt ? { prompt, instrument: prompt.instrument } : null;
}

function page(t, instrument, target) {
  const intro = target === "hard" ? t("checkin.hard_intro") : t("checkin.intro");
  return html`
    <h1 tabindex="-1">${instrument.title}</h1>
    <p>${intro}</p>
    <form id="checkin" novalidate>
      ${questions(t, instrument)}
      <div class="actions">
        <button class="button" type="submit">${t("checkin.send")}</button>
        <a class="button secondary" href="#/">${t("checkin.not_now")}</a>
      </div>
    </form>`;
}

async function submit(root, ctx, { prompt, instrument, form, startedAt, context }) {
  const empty = form.missing();
  if (empty) return $("input, textarea", empty)?.focus();
  const body = {
    client_id: crypto.randomUUID(),
    prompt_id: prompt?.id ?? null,
    instrument_id: instrument.id,
    instrument_version: instrument.version,
    started_at: startedAt,
    submitted_at: isoNow(),
    answers: form.answers(),
    context,
  };
  const result = await outbox.save(api.writes.response(body), instrument.id);
  if (prompt) await rememberAnswered(prompt.id);
  ctx.saved(result);
  const offers = withBreathing(
    instrument,
    result.sent ? (result.result?.offers ?? []) : localOffers(instrument, body.answers),
  );
  render(
    root,
    html`<h1 tabindex="-1">${ctx.t("checkin.thanks")}</h1><div id="offers"></div>
    <p><a class="button secondary wide" href="#/">${ctx.t("common.home")}</a></p>`,
  );
  focusTop(root);
  showOffers($("#offers", root), ctx, offers);
}

export default async function checkin(root, ctx, route) {
  const { t } = ctx;
  const target = route.params[0];
  const me = ctx.app.me ?? (await ctx.loadMe());
  if (me?.status === "withdrawn") {
    render(
      root,
      html`<h1 tabindex="-1">${t("checkin.title")}</h1><p>${t("home.withdrawn_body")}</p>`,
    );
    return;
  }
  if (!target) return listView(root, ctx);
  const found = await load(target).catch(() => null);
  if (!found?.instrument) {
    render(
      root,
      html`<h1 tabindex="-1">${t("checkin.title")}</h1><p>${t("checkin.gone")}</p>
      <p><a class="button" href="#/checkin">${t("checkin.title")}</a></p>`,
    );
    return;
  }
  const { prompt, instrument } = found;
  // A wave opened from its notification: the paged form that keeps her draft.
  if (prompt?.kind === "wave") return go(`questionnaire/${prompt.id}`);
  if (prompt) outbox.enqueue(api.writes.promptOpened(prompt.id)).then(outbox.flush);
  const context = {};
  if (instrument.items.some((item) => item.show_if?.context === "practiced_today")) {
    context.practiced_today = (await kv.get("lastPracticeDay")) === today();
  }
  render(root, page(t, instrument, target));
  const formEl = $("#checkin", root);
  const form = attach(formEl, instrument, t, context);
  const startedAt = isoNow();
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(root, ctx, { prompt, instrument, form, startedAt, context });
  });
}
