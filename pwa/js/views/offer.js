// A notification from the study's trial opens here. Its push names no practice (a lock screen
// is not private), so the server says which one it offers; the card is the one a check-in's
// offer shows. Starting the practice tells the server she took the offer, through the outbox.

import * as api from "../api.js";
import { $, html, render } from "../html.js";
import * as outbox from "../outbox.js";
import { showOffers } from "./offers.js";

function closed(el, ctx) {
  render(
    el,
    html`<section class="card soft"><p>${ctx.t("offers.probe_closed")}</p>
    <div class="actions"><a class="button secondary" href="#/practices">${ctx.t("offers.probe_practices")}</a></div></section>`,
  );
}

export default async function offer(el, ctx, route) {
  const [promptId] = route.params;
  const found = await api.probeOffer(promptId).catch(() => null);
  if (!found?.open) return closed(el, ctx);
  const heading = document.createElement("h1");
  heading.tabIndex = -1;
  heading.className = "visually-hidden";
  heading.textContent = ctx.t("app.name");
  el.append(heading);
  await showOffers(el, ctx, [{ id: null, rule: found.rule, practice_id: found.practice_id }]);
  $("#offer-yes", el)?.addEventListener("click", () => {
    outbox.enqueue(api.writes.promptOpened(promptId)).then(outbox.flush);
  });
}
