// A private journal: on this phone only, never sent, deleted in one tap. Each entry is sealed
// by the vault (js/vault.js) before it is stored: IndexedDB holds only its id and ciphertext.

import * as db from "../db.js";
import { $, html, render } from "../html.js";
import { formatDate, formatTime } from "../i18n.js";
import * as vault from "../vault.js";

const FIELDS = ["feeling", "baby", "other"];

function entry(t, note) {
  const when = `${formatDate(note.created_at, { weekday: "short", month: "short", day: "numeric" })}, ${formatTime(note.created_at)}`;
  return html`<li class="card"><h3>${when}</h3>
    <dl>${FIELDS.filter((f) => note[f]).map((f) => html`<dt class="muted">${t(`reflect.${f}`)}</dt><dd>${note[f]}</dd>`)}</dl>
    <button type="button" class="button secondary" data-delete="${note.id}">${t("reflect.delete")}<span class="visually-hidden"> ${when}</span></button></li>`;
}

function page(t, notes) {
  return html`
    <h1 tabindex="-1">${t("reflect.title")}</h1>
    <p class="card soft">${t("reflect.private")}</p>
    <form id="journal">
      ${FIELDS.map(
        (f) => html`<div class="field"><label for="j-${f}">${t(`reflect.${f}`)}</label>
        ${f === "baby" ? html`<p class="hint" id="j-baby-hint">${t("reflect.baby_hint")}</p>` : ""}
        <textarea id="j-${f}" name="${f}" ${f === "baby" ? html`aria-describedby="j-baby-hint"` : ""}></textarea></div>`,
      )}
      <button class="button wide" type="submit">${t("reflect.save")}</button>
    </form>
    <section id="note-list" aria-labelledby="notes"><h2 id="notes" tabindex="-1">${t("reflect.notes")}</h2>
    ${
      notes.length
        ? html`<ul class="list">${notes.map((n) => entry(t, n))}</ul>
      <p><button type="button" class="link-button" id="delete-all">${t("reflect.delete_all")}</button></p>`
        : html`<p class="muted">${t("reflect.empty")}</p>`
    }</section>`;
}

// Her entries, opened with the key in memory; one that cannot be opened is left out.
async function openAll() {
  const opened = [];
  for (const record of await db.all("journal")) {
    if (!record.sealed) continue; // sealed by the vault as soon as it has a key
    const note = await vault.open(record.sealed).catch(() => null);
    if (note) opened.push({ ...note, id: record.id });
  }
  return opened;
}

export default async function reflect(root, ctx) {
  const { t } = ctx;
  const notes = (await openAll()).sort((a, b) => b.created_at.localeCompare(a.created_at));
  render(root, page(t, notes));
  $("#journal", root).addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const note = Object.fromEntries(FIELDS.map((f) => [f, String(data.get(f) ?? "").trim()]));
    if (!FIELDS.some((f) => note[f])) return $("#j-feeling", root).focus();
    const sealed = await vault.seal({ created_at: new Date().toISOString(), ...note });
    await db.put("journal", { id: crypto.randomUUID(), sealed });
    ctx.status(t("reflect.saved"));
    await reflect(root, ctx);
    $("#notes", root).focus();
  });
  $("#note-list", root).addEventListener("click", async (event) => {
    const button = event.target.closest("[data-delete], #delete-all");
    if (!button) return;
    if (button.id === "delete-all" && !button.dataset.sure) {
      button.dataset.sure = "1";
      button.textContent = t("reflect.delete_all_sure");
      return;
    }
    if (button.id === "delete-all") await db.clear("journal");
    else await db.remove("journal", button.dataset.delete);
    ctx.status(t("reflect.deleted"));
    await reflect(root, ctx);
    $("#notes", root).focus();
  });
}
