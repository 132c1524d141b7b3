// The optional app PIN: stored only as a salted PBKDF2 hash in IndexedDB, and the lock screen.

import { kv, wipe } from "../db.js";
import { $, html, render } from "../html.js";

const ITERATIONS = 150_000;
let failures = 0;
let waitUntil = 0;

const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(pin, salt, iterations) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, [
    "deriveBits",
  ]);
  return b64(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256),
  );
}

export async function setPin(pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  await kv.set("pin", {
    salt: b64(salt),
    hash: await derive(pin, salt, ITERATIONS),
    iterations: ITERATIONS,
  });
}

export async function checkPin(pin) {
  const stored = await kv.get("pin");
  return (
    Boolean(stored) && (await derive(pin, unb64(stored.salt), stored.iterations)) === stored.hash
  );
}

export const clearPin = () => kv.remove("pin");

export const validPin = (pin) => /^\d{4,8}$/.test(pin);

// Everything this app keeps on the phone, gone: notes, PIN, queue, caches, the study token.
export async function resetPhone() {
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
    if (await checkPin($("#pin", root).value)) {
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
