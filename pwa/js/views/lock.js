// The lock screen: her PIN opens the vault (js/vault.js), which holds the key to her journal.

import { wipe } from "../db.js";
import { $, html, render } from "../html.js";
import * as vault from "../vault.js";

let failures = 0;
let waitUntil = 0;

export const validPin = (pin) => /^\d{4,8}$/.test(pin);

// Everything this app keeps on the phone, gone: notes, PIN, queue, caches, the study token.
export async function resetPhone() {
  vault.lock();
  await wipe();
  for (const name of await caches.keys()) await caches.delete(name);
  location.replace("/");
}

export default function lockScreen(root, ctx) {
  const { t } = ctx;
  render(
    root,
    html`
    <h1 tabindex="-1">${t("lock.title")}</h1>
    <form id="unlock" novalidate>
      <div class="field"><label for="pin">${t("lock.pin")}</label>
        <input id="pin" type="password" inputmode="numeric" autocomplete="off" aria-describedby="pin-error">
        <p class="error" id="pin-error" role="alert"></p></div>
      <button class="button wide" type="submit">${t("lock.unlock")}</button>
    </form>
    <details><summary>${t("lock.forgot")}</summary><p>${t("lock.forgot_body")}</p>
      <button type="button" class="button secondary" id="reset">${t("lock.reset")}</button></details>`,
  );
  $("#unlock", root).addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("#pin-error", root);
    if (Date.now() < waitUntil) return (error.textContent = t("lock.wait"));
    if (await vault.unlock($("#pin", root).value)) {
      failures = 0;
      ctx.app.locked = false;
      return ctx.show();
    }
    failures += 1;
    if (failures >= 5) waitUntil = Date.now() + 30_000;
    error.textContent = t("lock.wrong");
    $("#pin", root).value = "";
    $("#pin", root).focus();
  });
  $("#reset", root).addEventListener("click", (event) => {
    if (!event.target.dataset.sure) {
      event.target.dataset.sure = "1";
      event.target.textContent = t("lock.reset_sure");
      return;
    }
    resetPhone();
  });
}
