// Start-up and the shell: language, the route, quick exit, the lock, and when to send.

import * as api from "./api.js";
import { kv } from "./db.js";
import { $, $$, html, render } from "./html.js";
import * as i18n from "./i18n.js";
import * as outbox from "./outbox.js";
import { OPEN_VIEWS, go, parse } from "./router.js";
import * as updates from "./updates.js";

const main = $("#main");
const app = { me: null, locked: false, exited: false, lockAfterMs: 5 * 60_000 };
// The language this phone last fetched everything for, to work offline (see prepareOffline).
let warmed = null;
let cleanup = null;
let generation = 0;
let shown = null;
let statusTimer;
let lastActive = Date.now();
let hiddenAt = null;
let hiddenLock;
// The shell's own words wait for the first screen on a warm start (see start).
let staticWords = false;

function status(message) {
  const line = $("#status");
  line.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => (line.textContent = ""), 6000);
}

// What to tell her after saving something through the outbox.
function saved(result) {
  if (result.kept) status(i18n.t("status.kept"));
  else if (result.sent) status(i18n.t("status.sent"));
  else status(i18n.t("status.saved_offline"));
}

async function setLanguage(lang) {
  await i18n.setLanguage(lang);
  await kv.set("lang", i18n.language());
  i18n.translateStatic();
  await show();
  prepareOffline();
}

async function loadMe(mode) {
  try {
    app.me = await api.me(mode);
  } catch (error) {
    if (error.status === 401) await api.setToken(null);
  }
  return app.me;
}

const ctx = { app, t: i18n.t, go, status, saved, setLanguage, loadMe, show, lock, prepareOffline };

function viewFor(route) {
  if (!api.hasToken() && !OPEN_VIEWS.has(route.name)) return "enroll";
  if (api.hasToken() && route.name === "enroll") return "home";
  if (app.locked && route.name !== "help") return "lock";
  // A newer consent comes before anything else (offline, she goes on: see views/consent.js).
  const free = route.name === "help" || route.name === "settings";
  if (app.me?.consent_needed && !app.consentLater && !free) return "consent";
  return route.name;
}

// A new version waits while she is in a practice or a check-in, and comes when she leaves it.
const BUSY = new Set(["player", "checkin", "questionnaire"]);

function markTab(view) {
  const tab = { player: "practices", trends: "home" }[view] ?? view;
  for (const link of $$(".tabs a")) {
    if (link.dataset.view === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function show() {
  if (app.exited) return;
  const id = ++generation;
  const route = parse();
  const name = viewFor(route);
  const left = shown;
  shown = name;
  if (BUSY.has(left) && !BUSY.has(name) && (await updates.applyNow())) return;
  cleanup?.();
  cleanup = null;
  document.body.dataset.view = name;
  markTab(name);
  main.setAttribute("aria-busy", "true");
  // Each view draws into its own box, shown only if she has not moved on in the meantime.
  const box = document.createElement("div");
  try {
    const view = await import(`./views/${name}.js`);
    const stop = (await view.default(box, ctx, route)) ?? null;
    if (id !== generation) return stop?.();
    cleanup = stop;
  } catch (error) {
    console.error(error);
    if (id !== generation) return;
    failed(box);
  }
  if (staticWords) {
    staticWords = false;
    i18n.translateStatic();
  }
  main.replaceChildren(box);
  main.dataset.route = location.hash || "#/";
  main.removeAttribute("aria-busy");
  if (show.focusNext) scrollTo(0, 0);
  // One title for every screen: titles land in the browser's history, which others may see.
  document.title = i18n.t("app.name");
  const heading = $("h1", main);
  if (heading && show.focusNext) heading.focus();
  show.focusNext = true;
}

function failed(box) {
  render(
    box,
    html`<h1 tabindex="-1">${i18n.t("error.title")}</h1>
      <p>${i18n.t("error.body")}</p>
      <p><a class="button" href="#/">${i18n.t("error.home")}</a></p>`,
  );
}

// The journal's key lives in vault.js, which only the screens that seal or open things load:
// Home opens without it, and where it never loaded there is no key to forget.
function forgetKey() {
  return import("./vault.js").then((vault) => vault.lock(), () => null);
}

function lock() {
  if (!app.hasPin) return;
  app.locked = true;
  forgetKey().then(show);
}

function touch() {
  lastActive = Date.now();
}

// Sitting still is the point of a practice, so the idle lock waits while one is running.
function checkIdle() {
  const practicing = Boolean(document.body.dataset.focus);
  if (practicing) touch();
  if (app.hasPin && !app.locked && Date.now() - lastActive > app.lockAfterMs) lock();
}

// One tap away to a plain clock, replacing this page in the history so Back does not return
// into the app: the view is cleared and sound stops first.
function quickExit() {
  cleanup?.();
  cleanup = null;
  globalThis.speechSynthesis?.cancel();
  main.replaceChildren();
  $("#status").textContent = "";
  forgetKey();
  app.me = null;
  app.exited = true;
  document.body.dataset.exit = "1";
  document.title = i18n.t("exit.title");
  location.replace(`/clock.html?lang=${i18n.language()}`);
}

function showNetwork() {
  $("#net").hidden = navigator.onLine;
}

// Her taps after the first screen go first. Time still, as during a practice, ends the wait.
const STILL_MS = 2000;
const STIRS = ["pointerdown", "keydown", "hashchange"];

function whenStill() {
  return new Promise((resolve) => {
    let timer;
    const done = () => {
      for (const type of STIRS) removeEventListener(type, wait, true);
      resolve();
    };
    const wait = () => {
      clearTimeout(timer);
      timer = setTimeout(done, STILL_MS);
    };
    for (const type of STIRS) addEventListener(type, wait, true);
    wait();
  });
}

// Everything she may need offline, fetched again at each start. When the phone already holds
// it (in this language), that waits until she is still: on a slow phone, a score of answers
// to read and store would otherwise hold up her taps towards a practice.
async function prepareOffline() {
  if (!("serviceWorker" in navigator) || !api.hasToken() || !navigator.onLine) return;
  if (warmed === i18n.language()) await whenStill();
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => {
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  }
  if (!navigator.serviceWorker.controller || !(await updates.check())) return;
  if (await api.warm(i18n.language()).catch(() => false)) {
    document.documentElement.dataset.offlineReady = i18n.language();
    warmed = i18n.language();
    kv.set("warmed", warmed).catch(() => null);
  }
}

// In-app links replace the current history entry instead of adding one (see router.go).
function follow(event) {
  const link = event.target.closest?.('a[href^="#/"]');
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  go(link.getAttribute("href"));
}

function listen() {
  window.addEventListener("hashchange", show);
  document.addEventListener("click", follow);
  window.addEventListener("online", async () => {
    showNetwork();
    await outbox.flush();
    prepareOffline();
  });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", () => {
    clearTimeout(hiddenLock);
    if (document.visibilityState === "hidden") {
      hiddenAt = Date.now();
      // Her key leaves memory after her chosen time away, even if the page never comes back.
      hiddenLock = setTimeout(lock, app.lockAfterMs);
    } else {
      if (hiddenAt && Date.now() - hiddenAt > app.lockAfterMs) lock();
      hiddenAt = null;
      outbox.flush();
    }
  });
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, touch, true);
  setInterval(checkIdle, 15_000);
  $("#quick-exit").addEventListener("click", quickExit);
  updates.listen();
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "flush") outbox.flush();
  });
}

// Her status as the phone kept it draws the first screen at once; the server's answer comes
// once it is drawn (see meBehind), and a newer consent (or a sign-in no longer valid) then
// takes the screen, unless she is already in a practice or a check-in: it comes at the next
// screen. With nothing kept (a first visit), the server is asked first, as a newer consent is
// asked before Home. Resolves to her kept status, and `asked` once the server has answered.
function firstMe() {
  const kept = api.keptMe().then(
    (me) => (app.me = me ?? null),
    () => (app.me = null),
  );
  const asked = kept.then((me) => me ?? loadMe("fresh"));
  return { kept, asked };
}

function meBehind() {
  loadMe("fresh").then(() => {
    if (!BUSY.has(shown) && viewFor(parse()) !== shown) show();
  });
}

// What the breathing break needs (the practice and its ratings), asked for while she looks at
// Home when the phone does not hold them yet. A new visitor's next screens are the enrollment's.
function afterFirstScreen() {
  if (warmed || !api.hasToken()) return;
  const later = globalThis.requestIdleCallback ?? ((work) => setTimeout(work, 200));
  later(() => api.keepAhead("P03").catch(() => null));
}

export async function start() {
  const [lang, pin, lockAfterMin, warmedLang] = await Promise.all([
    kv.get("lang"),
    kv.get("pin"),
    kv.get("lockAfterMin"),
    kv.get("warmed"),
    api.loadToken(),
  ]);
  warmed = warmedLang ?? null;
  app.hasPin = Boolean(pin);
  app.locked = app.hasPin;
  app.lockAfterMs = (lockAfterMin ?? 5) * 60_000;
  // Her words and her kept status are read at once (the language is set before either).
  const words = i18n.setLanguage(lang || i18n.pickLanguage());
  const first = api.hasToken() ? firstMe() : null;
  await words;
  const askMe = Boolean(await first?.kept);
  // With her status kept, the shell's words are drawn with her first screen, in one frame: a
  // frame of the shell alone before it would cost the slow phone a layout of its own. With
  // nothing kept, they are drawn now, while the server is asked.
  if (askMe) staticWords = true;
  else i18n.translateStatic();
  showNetwork();
  listen();
  await first?.asked;
  await show();
  if (askMe) meBehind();
  whenStill().then(api.startRefreshes);
  afterFirstScreen();
  // Registered once she sees her screen, so the worker's first download does not hold it up.
  navigator.serviceWorker?.register("/sw.js").catch(() => null);
  if (await updates.started()) status(i18n.t("update.applied"));
  if (api.hasToken()) {
    navigator.storage?.persist?.().catch(() => null);
    await outbox.flush();
    import("./views/notify.js").then((notify) => notify.repair()).catch(() => null);
    prepareOffline();
  } else if (navigator.onLine) {
    updates.check();
  }
}
