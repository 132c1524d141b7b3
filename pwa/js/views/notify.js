// Reminders by Web Push, only after she has read what they look like. On an iPhone push works
// only from the home screen, so she is shown how to add the app there first.

import * as api from "../api.js";
import * as updates from "../updates.js";
import { $, html } from "../html.js";

const supported = () =>
  "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
const isIphone = () =>
  /iPhone|iPad|iPod/.test(navigator.userAgent) ||
  (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const standalone = () =>
  matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;

function keyBytes(base64url) {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function subscription() {
  if (!supported()) return null;
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

async function turnOn() {
  if ((await Notification.requestPermission()) !== "granted") return "blocked";
  const { public_key: key } = await api.pushKey();
  const registration = await navigator.serviceWorker.ready;
  const sub = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  await api.subscribePush(withDevice(sub));
  return "on";
}

// What researchers see of her device's health: whether the app is installed and may notify.
function withDevice(sub) {
  const device = { installed: standalone(), permission: Notification.permission };
  const version = updates.version()?.slice(0, 40);
  return { ...sub.toJSON(), ...device, ...(version ? { app_version: version } : {}) };
}

// At each start: the server must hold the subscription this browser has (a restored backup,
// a database move or a lost answer can part them), and a browser that dropped its subscription
// while notifications are allowed gets a new one. Saving a known one again changes nothing.
export async function repair() {
  if (!supported() || Notification.permission !== "granted" || !navigator.onLine) return;
  const sub = await subscription();
  if (sub) await api.subscribePush(withDevice(sub));
  else await turnOn();
}

async function turnOff() {
  const sub = await subscription();
  if (sub) {
    await api.unsubscribePush(sub.endpoint).catch(() => null);
    await sub.unsubscribe();
  }
  return "off";
}

export function section(t) {
  return html`<section class="card" aria-labelledby="reminders"><h2 id="reminders">${t("notify.title")}</h2>
    <p>${t("notify.explain")}</p>
    ${
      isIphone() && !standalone()
        ? html`<h3>${t("notify.iphone_title")}</h3><ol>${t("notify.iphone_steps")
            .split("\n")
            .map((s) => html`<li>${s}</li>`)}</ol>`
        : ""
    }
    <p id="notify-state" class="muted"></p>
    <button type="button" class="button secondary" id="notify-toggle" hidden></button></section>`;
}

export async function wire(root, ctx) {
  const { t } = ctx;
  const state = $("#notify-state", root);
  const button = $("#notify-toggle", root);
  const show = (mode) => {
    state.textContent = t(`notify.${mode}`);
    button.hidden = mode === "unsupported" || (isIphone() && !standalone());
    button.textContent = mode === "on" ? t("notify.turn_off") : t("notify.turn_on");
    button.dataset.mode = mode;
  };
  if (!supported()) return show("unsupported");
  show(Notification.permission === "denied" ? "blocked" : (await subscription()) ? "on" : "off");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      show(button.dataset.mode === "on" ? await turnOff() : await turnOn());
    } catch {
      show("failed");
    }
    button.disabled = false;
  });
}

// What Home tells her about reminders, or null when all is well (or nothing can be done here).
export async function trouble() {
  if (!supported()) return null;
  if (Notification.permission === "denied") return "blocked";
  if (!(await subscription())) return "off";
  const health = await api.pushHealth().catch(() => null);
  return health?.notifications === "failing" ? "failing" : null;
}

// The one fixing step Home offers: turn them on here, or subscribe again when they stopped
// arriving. Blocked reminders (and an iPhone outside the home screen) need her settings.
export async function fix(mode) {
  if (mode === "blocked" || (isIphone() && !standalone())) return "settings";
  if (mode === "failing") await turnOff();
  const result = await turnOn();
  await api.pushHealth("fresh").catch(() => null);
  return result;
}
