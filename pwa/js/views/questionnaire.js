// A questionnaire wave (PHQ-9, GAD-7...): a few questions a screen with her progress, a draft
// kept on the phone as she goes so she can stop and come back (js/questionnaire_drafts.js),
// and one send through the outbox. An answer at an item's crisis threshold (PHQ-9 item 9
// above 0) shows crisis help at once, before she goes on.

import * as api from "../api.js";
import { $, $$, focusTop, html, render } from "../html.js";
import { formatDate } from "../i18n.js";
import * as outbox from "../outbox.js";
import { isoNow, openPrompts, rememberAnswered } from "../prompts.js";
import * as drafts from "../questionnaire_drafts.js";
import { attach, questions } from "./form.js";
import { resourceList, resources } from "./help.js";
import { localOffers, showOffers } from "./offers.js";

export const PER_PAGE = 3;
// The lines a mother may need most while answering about her mood.
const CRISIS_LINES = ["lifeline_988", "maternal_mh"];

function pagesOf(items) {
  const pages = [];
  for (let n = 0; n < items.length; n += PER_PAGE) pages.push(items.slice(n, n + PER_PAGE));
  return pages;
}

function layout(t, prompt, instrument, pages) {
  return html`
    <h1 tabindex="-1">${instrument.title}</h1>
    <p class="muted">${t("questionnaire.closes", { date: formatDate(prompt.expires_at, { weekday: "long", month: "long", day: "numeric" }) })}</p>
    ${instrument.intro ? html`<p>${instrument.intro}</p>` : ""}
    <p id="q-progress" aria-live="polite"></p>
    <progress id="q-bar" max="${pages.length}" value="1"></progress>
    <form id="questionnaire" novalidate>
      ${pages.map((items, n) => html`<div class="q-page" data-page="${n}">${questions(t, { items })}</div>`)}
      <div id="q-crisis"></div>
      <div class="actions">
        <button type="button" class="button secondary" id="q-back">${t("questionnaire.back")}</button>
        <button type="button" class="button" id="q-next">${t("questionnaire.next")}</button>
        <button type="submit" class="button" id="q-send">${t("questionnaire.send")}</button>
      </div>
      <p class="muted">${t("questionnaire.kept")}</p>
      <a class="button secondary" href="#/">${t("questionnaire.later")}</a>
    </form>`;
}

// Her kept answers put back into the form, as if she had just chosen them.
function fill(form, instrument, answers) {
  const byId = Object.fromEntries(instrument.items.map((item) => [item.id, item]));
  for (const answer of answers) {
    const item = byId[answer.item_id];
    const box = item && $(`[data-item="${item.id}"]`, form);
    if (!box) continue;
    if (answer.declined) {
      $("[data-decline]", box).checked = true;
      for (const other of $$("input:not([data-decline]), textarea", box)) other.disabled = true;
      continue;
    }
    if (item.type === "number") $("input[type=number]", box).value = answer.value;
    else if (item.type === "text") $("textarea", box).value = answer.value;
    else if (item.type === "rating") {
      const range = $("input[type=range]", box);
      range.value = answer.value;
      range.dispatchEvent(new Event("input", { bubbles: true }));
    } else {
      const values =
        item.type === "yes_no" ? [true, false] : item.options.map((o) => o.value ?? o.key);
      for (const value of [answer.value].flat()) {
        const input = $(`input[value="${values.indexOf(value)}"]:not([data-decline])`, box);
        if (input) input.checked = true;
      }
    }
  }
  form.dispatchEvent(new Event("change"));
}

async function crisisHelp(slot, ctx) {
  if (slot.childElementCount) return;
  const all = (await resources(ctx.t)).resources;
  const chosen = CRISIS_LINES.map((id) => all.find((r) => r.id === id)).filter(Boolean);
  const list = chosen.length ? chosen : all.filter((r) => r.phone).slice(0, 2);
  render(
    slot,
    html`<section class="card notice" role="alert"><h2>${ctx.t("offers.crisis_title")}</h2>
    <p>${ctx.t("offers.crisis_body")}</p>${resourceList(ctx.t, list, { compact: true })}
    <a class="button secondary" href="#/help">${ctx.t("offers.more_help")}</a></section>`,
  );
  // Right below the answer that called for it, where she is looking.
  slot.scrollIntoView({ block: "nearest" });
}

function crisisReached(instrument, answers) {
  return localOffers({ ...instrument, items: instrument.items.filter((i) => i.crisis_threshold != null) }, answers)
    .some((o) => o.rule === "crisis_help");
}

async function finish(root, ctx, { prompt, instrument, draft, answers }) {
  const body = {
    client_id: draft.client_id,
    prompt_id: prompt.id,
    instrument_id: instrument.id,
    instrument_version: instrument.version,
    started_at: draft.started_at,
    submitted_at: isoNow(),
    answers,
    context: {},
  };
  // In the outbox before the draft is let go: if the app closes in between, the same
  // client_id is sent again from the draft and the server keeps one.
  const result = await outbox.save(api.writes.response(body), instrument.id);
  await rememberAnswered(prompt.id);
  await drafts.discard(prompt.id);
  ctx.saved(result);
  const offers = result.sent ? (result.result?.offers ?? []) : localOffers(instrument, answers);
  render(
    root,
    html`<h1 tabindex="-1">${ctx.t("questionnaire.thanks")}</h1><div id="offers"></div>
    <p><a class="button secondary wide" href="#/">${ctx.t("common.home")}</a></p>`,
  );
  focusTop(root);
  showOffers($("#offers", root), ctx, offers);
}

export default async function questionnaire(root, ctx, route) {
  const { t } = ctx;
  const prompt = (await openPrompts()).find((p) => p.id === route.params[0]);
  const instrument = prompt?.instrument;
  if (!instrument) {
    render(
      root,
      html`<h1 tabindex="-1">${t("checkin.title")}</h1><p>${t("checkin.gone")}</p>
      <p><a class="button" href="#/">${t("common.home")}</a></p>`,
    );
    return;
  }
  const draft = (await drafts.read(prompt.id)) ?? {
    client_id: crypto.randomUUID(),
    started_at: isoNow(),
    page: 0,
    answers: [],
  };
  if (!draft.answers.length) outbox.enqueue(api.writes.promptOpened(prompt.id)).then(outbox.flush);
  const pages = pagesOf(instrument.items);
  render(root, layout(t, prompt, instrument, pages));
  const formEl = $("#questionnaire", root);
  const form = attach(formEl, instrument, t);
  fill(formEl, instrument, draft.answers);
  let page = Math.min(draft.page ?? 0, pages.length - 1);

  function show(n) {
    page = n;
    for (const el of $$(".q-page", formEl)) el.hidden = Number(el.dataset.page) !== n;
    $("#q-progress", root).textContent = t("questionnaire.progress", {
      page: n + 1,
      pages: pages.length,
    });
    $("#q-bar", root).value = n + 1;
    $("#q-back", root).hidden = n === 0;
    $("#q-next", root).hidden = n === pages.length - 1;
    $("#q-send", root).hidden = n !== pages.length - 1;
  }

  // One write at a time, in order: sealing is asynchronous, and an earlier draft finishing
  // last would overwrite her latest answer. `data-kept` says how many answers are stored.
  let keeping = Promise.resolve();
  function keep() {
    const answers = form.answers();
    Object.assign(draft, { page, answers });
    const snapshot = { ...draft, answers: [...answers] };
    keeping = keeping
      .then(() => drafts.write(prompt.id, snapshot))
      .then(() => {
        formEl.dataset.kept = String(snapshot.answers.length);
      })
      .catch(() => null);
    if (crisisReached(instrument, answers)) crisisHelp($("#q-crisis", root), ctx);
    return keeping;
  }

  formEl.addEventListener("change", keep);
  $("#q-back", root).addEventListener("click", () => {
    show(page - 1);
    keep();
    focusTop(root);
  });
  $("#q-next", root).addEventListener("click", () => {
    show(page + 1);
    keep();
    focusTop(root);
  });
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const empty = form.missing();
    if (empty) {
      show(Number(empty.closest(".q-page").dataset.page)); // the page of the question left out
      return $("input, textarea", empty)?.focus();
    }
    $("#q-send", root).disabled = true; // one tap, one record
    await keep();
    await finish(root, ctx, { prompt, instrument, draft, answers: draft.answers });
  });
  show(page);
  if (crisisReached(instrument, draft.answers)) crisisHelp($("#q-crisis", root), ctx);
}
