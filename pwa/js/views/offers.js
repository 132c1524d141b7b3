// What follows a check-in: a breathing break, and crisis help when an answer is very high.
// The server decides when online; offline the phone follows the same rules from the instrument.

import * as api from "../api.js";
import { $, html, render } from "../html.js";
import * as outbox from "../outbox.js";
import { resourceList, resources } from "./help.js";

// The server's rules, for when it cannot be asked: a breathing break when craving or stress is
// high, crisis help at an item's crisis threshold (9 on the 0–10 feelings unless it says).
const HIGH_ITEMS = ["C1", "S1"];
const HIGH = 7;
const CRISIS_ITEMS = { S1: 9, C1: 9, N1: 9 };

export function localOffers(instrument, answers) {
  const value = (id) => answers.find((a) => a.item_id === id && Number.isInteger(a.value))?.value;
  const crisis = instrument.items.some((item) => {
    const threshold = item.crisis_threshold ?? CRISIS_ITEMS[item.id];
    return threshold != null && value(item.id) >= threshold;
  });
  const offers = [];
  if (HIGH_ITEMS.some((id) => value(id) >= HIGH))
    offers.push({ id: null, rule: "offer_breathing", practice_id: "P03" });
  if (crisis) offers.push({ id: null, rule: "crisis_help", practice_id: null });
  return offers;
}

// A hard-moment report always ends with the offer of a breathing break.
export function withBreathing(instrument, offers) {
  if (instrument.id !== "hard_moment" || offers.some((o) => o.rule === "offer_breathing"))
    return offers;
  return [...offers, { id: null, rule: "offer_breathing", practice_id: "P03" }];
}

function answer(offer, outcome) {
  if (offer.id) outbox.enqueue(api.writes.offer(offer.id, outcome), "offer").then(outbox.flush);
}

async function crisisCard(el, ctx, offer) {
  const list = (await resources(ctx.t)).resources.filter((r) => r.phone).slice(0, 2);
  const card = document.createElement("section");
  card.className = "card notice";
  render(
    card,
    html`<h2>${ctx.t("offers.crisis_title")}</h2><p>${ctx.t("offers.crisis_body")}</p>
    ${resourceList(ctx.t, list, { compact: true })}
    <div class="actions"><a class="button secondary" href="#/help" data-outcome="accepted">${ctx.t("offers.more_help")}</a>
    <button type="button" class="button secondary" data-outcome="declined">${ctx.t("offers.okay")}</button></div>`,
  );
  card.addEventListener("click", (event) => {
    const chosen = event.target.closest("a, button");
    if (!chosen || card.dataset.answered) return;
    card.dataset.answered = "1";
    answer(offer, chosen.dataset.outcome === "declined" ? "declined" : "accepted");
    if (chosen.dataset.outcome === "declined") chosen.closest(".actions").remove();
  });
  el.append(card);
}

// An offer drawn by the study's trial (rule mrt_*) may be any practice: P03 keeps its words.
function breathingCard(el, ctx, offer) {
  const practice = offer.practice_id || "P03";
  const words = practice === "P03" ? "breathing" : "practice";
  const t = (key) => ctx.t(`offers.${key.replace("breathing", words)}`);
  const card = document.createElement("section");
  card.className = "card soft";
  render(
    card,
    html`<h2>${t("breathing_title")}</h2><p>${t("breathing_body")}</p>
    <div class="actions"><a class="button" href="#/practice/${practice}?rule=${offer.rule}" id="offer-yes">${t("breathing_yes")}</a>
    <button type="button" class="button secondary" id="offer-no">${ctx.t("offers.breathing_no")}</button></div>`,
  );
  $("#offer-yes", card).addEventListener("click", () => answer(offer, "accepted"));
  $("#offer-no", card).addEventListener("click", () => {
    answer(offer, "declined");
    card.replaceChildren(
      Object.assign(document.createElement("p"), { textContent: t("breathing_later") }),
    );
  });
  el.append(card);
}

export async function showOffers(el, ctx, offers) {
  const crisisFirst = (offer) => (offer.rule === "crisis_help" ? 0 : 1);
  const ordered = [...offers].sort((a, b) => crisisFirst(a) - crisisFirst(b));
  for (const offer of ordered) {
    if (offer.rule === "crisis_help") await crisisCard(el, ctx, offer);
    else if (offer.rule === "offer_breathing" || offer.rule.startsWith("mrt_"))
      breathingCard(el, ctx, offer);
  }
}
