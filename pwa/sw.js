// Savor's service worker: the app opens from its cache at once, whatever the network does.
//
// Versions: the server lists every file the app ships with its hash (/version.json, see
// backend/savor/caching.py). Each version lives in its own cache, savor-shell-<version>, and
// pages and code are always answered from the active one. A new version is downloaded behind
// her (only the files that changed, each checked against its hash) and applied at a natural
// pause: the next start, or when the page asks after a practice or check-in ends, and only if
// no other window of the app is open. A version that fails to start is set aside and the last
// good one comes back.
//
// Her data is not kept here: API answers go to the network, and the page keeps what it needs
// offline in IndexedDB (js/keep.js). Only the study's recordings are cached here (the same
// for everyone), and writes never pass through: the page's outbox stores and sends them.

const MANIFEST = "/version.json";
const META = "savor-meta";
const SHELL = "savor-shell-";
const AUDIO_CACHE = "savor-audio-v1";
const STATE_KEY = "/state";
const FILES_KEY = "/__files";

// {active, previous, staged, trial, applied, bad: []}, kept in Cache Storage so it outlives
// the worker (which the browser stops whenever it is idle).
let state;
let checking = null;

async function loadState() {
  if (!state) {
    const saved = await (await caches.open(META)).match(STATE_KEY);
    state = saved ? await saved.json() : {};
    state.bad ??= [];
  }
  return state;
}

async function saveState() {
  const body = JSON.stringify(state);
  await (await caches.open(META)).put(STATE_KEY, new Response(body));
}

async function sha(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
}

async function filesOf(version) {
  if (!version) return {};
  const found = await (await caches.open(SHELL + version)).match(FILES_KEY);
  return found ? found.json() : {};
}

// A few files at a time: the browser opens about six connections to the server, and the
// page she is using needs some of them (on a first visit, this runs while she taps on).
const DOWNLOADS_AT_ONCE = 3;

async function inTurn(items, width, work) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

// The copy of a file the page itself loaded on this visit, still in the browser's cache, when
// it is exactly the one listed: a first visit then downloads most of the app only once.
async function alreadyHere(path, hash) {
  try {
    const found = await fetch(path, { cache: "only-if-cached", mode: "same-origin" });
    if (!found.ok) return null;
    const body = await found.arrayBuffer();
    if ((await sha(body)) !== hash) return null;
    return typed(body, found);
  } catch {
    return null;
  }
}

function typed(body, response) {
  const headers = { "Content-Type": response.headers.get("Content-Type") || "" };
  return new Response(body, { headers });
}

async function downloadFile(path, hash) {
  // The address names the content, so the browser's cache may keep it for good.
  const fresh = await fetch(`${path}?v=${hash}`);
  if (!fresh.ok) throw new Error(`${path}: HTTP ${fresh.status}`);
  const body = await fresh.arrayBuffer();
  if ((await sha(body)) !== hash) throw new Error(`${path}: changed while downloading`);
  return typed(body, fresh);
}

// Fetch the manifest; download a version not seen yet into its own cache. Returns it, or null.
async function download() {
  const response = await fetch(MANIFEST, { cache: "no-store" });
  if (!response.ok) throw new Error(`manifest: HTTP ${response.status}`);
  const { version, files } = await response.json();
  await loadState();
  if ([state.active, state.staged, ...state.bad].includes(version)) return null;
  const name = SHELL + version;
  const cache = await caches.open(name);
  try {
    const old = await caches.open(SHELL + state.active);
    const oldFiles = await filesOf(state.active);
    await inTurn(Object.entries(files), DOWNLOADS_AT_ONCE, async ([path, hash]) => {
      const same = oldFiles[path] === hash && (await old.match(path));
      if (same) return cache.put(path, same);
      const body = (await alreadyHere(path, hash)) ?? (await downloadFile(path, hash));
      return cache.put(path, body);
    });
    await cache.put(FILES_KEY, new Response(JSON.stringify(files)));
  } catch (error) {
    await caches.delete(name);
    throw error;
  }
  return version;
}

// Look for a new version (at most one look at a time); tell open pages when one is ready.
function check() {
  checking ??= (async () => {
    const version = await download();
    if (!version) return;
    await loadState();
    if (!state.active) {
      state.active = version;
    } else {
      if (state.staged) await caches.delete(SHELL + state.staged);
      state.staged = version;
    }
    await saveState();
    await tidy();
    if (state.staged) await tellClients({ type: "update-ready" });
  })()
    .catch(() => null)
    .finally(() => {
      checking = null;
    });
  return checking;
}

async function otherWindows(except) {
  const windows = await self.clients.matchAll({ type: "window" });
  return windows.some((client) => client.id !== except);
}

// Make the staged version the active one; the last good one is kept until the new one starts.
async function apply(except) {
  await loadState();
  if (!state.staged || (await otherWindows(except))) return false;
  state.previous = state.active;
  state.active = state.staged;
  state.staged = null;
  state.trial = state.active;
  state.trialOpened = false;
  state.applied = true;
  await saveState();
  return true;
}

// The version on trial never said it started: set it aside and bring the last good one back.
async function rollBack() {
  await loadState();
  if (!state.trial || state.trial !== state.active || !state.previous) return false;
  state.bad = [...state.bad, state.active].slice(-10);
  await caches.delete(SHELL + state.active);
  state.active = state.previous;
  state.previous = null;
  state.trial = null;
  state.applied = false;
  await saveState();
  return true;
}

async function tidy() {
  const keep = [state.active, state.previous, state.staged].filter(Boolean).map((v) => SHELL + v);
  for (const name of await caches.keys()) {
    // Earlier workers kept API answers (savor-data-v1) in plain text: those go too.
    if (name !== META && name !== AUDIO_CACHE && !keep.includes(name)) await caches.delete(name);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      await loadState();
      if (!state.active) await check();
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      await loadState();
      if (state.active) await tidy();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const { type } = event.data ?? {};
  // Answers go back on the port the page sent along (see ask() in js/updates.js).
  const reply = (answer) => event.ports[0]?.postMessage(answer);
  const work = {
    check: async () => {
      await check();
      reply({ ready: Boolean(state?.active), staged: Boolean(state?.staged) });
    },
    apply: async () => reply({ applied: await apply(event.source?.id) }),
    broken: async () => reply({ rolledBack: await rollBack() }),
    // The page started: the version on trial is good. Says once that an update was applied.
    started: async () => {
      await loadState();
      const applied = Boolean(state.applied);
      if (state.trial === state.active) state.trial = null;
      state.applied = false;
      if (state.previous && !state.trial) {
        await caches.delete(SHELL + state.previous);
        state.previous = null;
      }
      await saveState();
      reply({ version: state.active, applied, staged: Boolean(state.staged) });
    },
  }[type];
  if (work) event.waitUntil(work());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/v1/audio/")) {
    event.respondWith(audio(request));
  } else if (
    url.pathname.startsWith("/api/") ||
    url.pathname.startsWith("/console/") ||
    url.pathname === MANIFEST
  ) {
    return; // the study team's console is none of the app's business
  } else if (request.mode === "navigate") {
    event.respondWith(open(event));
  } else {
    event.respondWith(shell(request, url.pathname));
  }
});

// A start of the app: a version on trial that was opened before and never said it started is
// rolled back; then a staged version is applied if she has no other window of the app open.
async function open(event) {
  const path = new URL(event.request.url).pathname;
  if (path !== "/" && path !== "/index.html") return shell(event.request, path);
  await loadState();
  if (state.trial && state.trialOpened) await rollBack();
  if (state.staged) await apply(event.resultingClientId);
  if (state.trial && !state.trialOpened) {
    state.trialOpened = true;
    await saveState();
  }
  return shell(event.request, "/index.html");
}

// The active version's cache, opened once per version: a start asks for a dozen files at once.
let opened = { version: null, cache: null };

function activeCache() {
  if (opened.version !== state.active) {
    opened = { version: state.active, cache: caches.open(SHELL + state.active) };
  }
  return opened.cache;
}

async function shell(request, path) {
  await loadState();
  if (state.active) {
    const found = await (await activeCache()).match(path);
    if (found) return found;
  }
  try {
    return await fetch(request);
  } catch {
    return Response.error();
  }
}

function offlineAnswer() {
  const body = JSON.stringify({ error: { code: "offline", message: "offline" } });
  return new Response(body, { status: 503, headers: { "Content-Type": "application/json" } });
}

// Audio: the whole file is cached once; range requests are answered from that copy.
async function audio(request) {
  const cache = await caches.open(AUDIO_CACHE);
  let whole = await cache.match(request.url);
  if (!whole) {
    try {
      const response = await fetch(request.url);
      if (response.status !== 200) return response;
      await cache.put(request.url, response.clone());
      whole = response;
    } catch {
      return offlineAnswer();
    }
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") || "");
  if (!range) return whole;
  const bytes = await whole.arrayBuffer();
  const size = bytes.byteLength;
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start >= size || start > end) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  return new Response(bytes.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Type": whole.headers.get("Content-Type") || "audio/mpeg",
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Content-Length": String(end - start + 1),
    },
  });
}

// Background Sync is a bonus (Safari and Firefox lack it): ask an open page to flush, and send
// the receipts waiting in the outbox ourselves, since no page may be open.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") {
    event.waitUntil(Promise.all([tellClients({ type: "flush" }), sendWaitingReceipts()]));
  }
});

async function tellClients(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

// Receipts: what became of each notification, sent even when no page of the app is open, so
// researchers can tell "it never reached her phone" from "she did not answer". The page's
// IndexedDB (js/db.js: database "savor", stores "kv" and "outbox") holds her token and the
// outbox; this worker is a classic script, so it reads them here with a few lines of its own,
// each a short transaction, and closes the database at once so the page can always upgrade it.
const DB_NAME = "savor";
// Answers after which a write of this worker is done with: any 2xx (a forgotten subscription
// answers 204), or never to be (her prompt is gone, she left the study or signed out).
const REFUSED = new Set([400, 401, 403, 404, 409, 410, 413, 422]);
const finished = (status) => (status >= 200 && status < 300) || REFUSED.has(status);

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME);
    // Before the page ever ran there is nothing to read: leave creating the stores to it.
    req.onupgradeneeded = () => req.transaction.abort();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(name, mode, work) {
  const db = await openDb();
  try {
    if (!db.objectStoreNames.contains(name)) return undefined;
    const tx = db.transaction(name, mode);
    const req = work(tx.objectStore(name));
    return await new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const token = () => withStore("kv", "readonly", (s) => s.get("token")).catch(() => undefined);

// The status (0 when it could not reach the server) and, on a 2xx, the server's answer.
async function postReceipt(record, bearer, signal) {
  try {
    const response = await fetch(`/api/v1${record.path}`, {
      method: record.method,
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        Authorization: `Bearer ${bearer}`,
      },
      body: JSON.stringify(record.body),
      signal,
    });
    const answer = response.ok ? await response.json().catch(() => null) : null;
    return { status: response.status, answer };
  } catch {
    return { status: 0, answer: null };
  }
}

// The same shape the page's outbox sends (js/api.js `writes`), so either may send it later.
// One record for everything one moment brought: a push's `delivered` and `shown` together.
function receipt(promptId, events) {
  return {
    kind: "receipt",
    method: "POST",
    path: `/prompts/${encodeURIComponent(promptId)}/receipts`,
    body: { events },
  };
}

const happened = (event) => ({ event, at: new Date().toISOString() });

// One sender at a time with the page's outbox (js/outbox.js takes the same lock), so a
// waiting receipt is sent once. A receipt the server refuses (404: the prompt is gone) is let
// go; one that cannot reach it stays for the next push, sync or page.
function outboxLock(work) {
  return self.navigator.locks ? self.navigator.locks.request("savor-outbox", work) : work();
}

// What this worker writes itself, and so sends itself from the outbox: no page may be open.
const WORKER_KINDS = new Set(["receipt", "subscription"]);

async function sendWaitingReceipts() {
  const bearer = await token();
  if (!bearer) return;
  await outboxLock(async () => {
    const waiting = (await withStore("outbox", "readonly", (s) => s.getAll())) ?? [];
    for (const record of waiting.filter((r) => WORKER_KINDS.has(r.kind))) {
      const { status } = await postReceipt(record, bearer);
      if (!finished(status)) return; // offline or busy: keep them, in order
      await withStore("outbox", "readwrite", (s) => s.delete(record.seq));
    }
  });
}

// Sends the events in one request: whether the server is done with it (a 2xx, or a refusal),
// and its answer. `wait` caps how long it may take.
async function post(promptId, events, wait = 0) {
  const bearer = await token();
  if (!bearer) return { finished: true, answer: null };
  await sendWaitingReceipts().catch(() => null);
  const signal = wait ? AbortSignal.timeout(wait) : undefined;
  const sent = await postReceipt(receipt(promptId, events), bearer, signal);
  return { finished: finished(sent.status), answer: sent.answer };
}

// Reports the events; what cannot reach the server waits in the outbox.
async function report(promptId, events) {
  if (!promptId) return;
  const { finished: done } = await post(promptId, events);
  if (!done) await keep(receipt(promptId, events));
}

// A write that could not reach the server waits in the outbox, sent once by whichever comes
// first: the next push, a sync, or a page of the app.
async function keep(record) {
  const waiting = { ...record, id: crypto.randomUUID(), label: record.kind };
  await withStore("outbox", "readwrite", (s) =>
    s.add({ ...waiting, created_at: new Date().toISOString() }),
  ).catch(() => null);
  await self.registration.sync?.register("outbox").catch(() => null);
}

// Why a push needs no notification, as far as this phone knows without asking: its prompt
// closed by the clock, or she answered it here and the answer still waits in the outbox.
async function closedHere(data, promptId) {
  const closes = Date.parse(data.expires_at ?? "");
  if (!Number.isNaN(closes) && closes <= Date.now()) return "expired";
  const waiting = (await withStore("outbox", "readonly", (s) => s.getAll()).catch(() => [])) ?? [];
  const answered = waiting.some((r) => r.path === "/responses" && r.body?.prompt_id === promptId);
  return answered ? "answered" : null;
}

// Push text is written by the server and stays neutral ("Time for a short check-in"); the
// payload names only the prompt, so the receipts can say which one arrived.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data?.text() };
  }
  const promptId = typeof data.prompt_id === "string" ? data.prompt_id : null;
  event.waitUntil(pushed(data, promptId).catch(() => null));
});

// It reached her phone either way. A push whose prompt already closed (answered on another
// device, or expired while the push service held it) shows nothing: the "delivered" receipt
// alone tells the study it came too late. Otherwise one request reports it delivered and
// shown, `shown` counting only if the prompt is still open, and the answer says whether to
// show it. Offline, or when the server is slow, it is shown (a closed check-in then says so
// kindly) and what happened waits in the outbox as one record, sent once.
async function pushed(data, promptId) {
  if (!promptId) return show(data, promptId);
  const delivered = happened("delivered");
  if (await closedHere(data, promptId)) return report(promptId, [delivered]);
  const mayShow = (self.Notification?.permission ?? "granted") === "granted";
  const ask = mayShow ? [delivered, { ...happened("shown"), if_open: true }] : [delivered];
  const sent = await post(promptId, ask, 3000);
  if (sent.finished && sent.answer?.prompt_open === false) return;
  const shownAt = happened("shown");
  const shown = await show(data, promptId);
  if (sent.finished) {
    if (shown && !mayShow) await report(promptId, [shownAt]);
    return;
  }
  await keep(receipt(promptId, shown ? [delivered, shownAt] : [delivered]));
}

function show(data, promptId) {
  return self.registration
    .showNotification(data.title || "Savor", {
      body: data.body || "",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      tag: data.tag || "savor",
      data: { url: data.url || "/#/checkin", promptId },
    })
    .then(() => true)
    .catch(() => false);
}

self.addEventListener("notificationclose", (event) => {
  const promptId = event.notification.data?.promptId;
  event.waitUntil(report(promptId, [happened("dismissed")]).catch(() => null));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || "/";
  event.waitUntil(
    (async () => {
      // The receipt first, but never holding up her check-in for long on a slow network.
      const promptId = event.notification.data?.promptId;
      const sent = report(promptId, [happened("clicked")]).catch(() => null);
      await Promise.race([sent, new Promise((resolve) => setTimeout(resolve, 1500))]);
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        return open.navigate(target);
      }
      return self.clients.openWindow(target);
    })(),
  );
});

// The push service replaced or dropped her subscription: subscribe again if the browser did
// not, then tell the server the new one and forget the old one. Offline, both wait in the
// outbox, in that order, and are sent once. The app checks again at its next start.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const bearer = await token();
      if (!bearer) return;
      const key = event.oldSubscription?.options?.applicationServerKey;
      const fresh =
        event.newSubscription ??
        (key
          ? await self.registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: key,
            })
          : null);
      const records = [];
      if (fresh) {
        const body = { ...fresh.toJSON(), permission: "granted" };
        records.push({ kind: "subscription", method: "POST", path: "/push-subscriptions", body });
      }
      const old = event.oldSubscription?.endpoint;
      if (old && old !== fresh?.endpoint) {
        const body = { endpoint: old };
        records.push({ kind: "subscription", method: "DELETE", path: "/push-subscriptions", body });
      }
      await sendWaitingReceipts().catch(() => null);
      for (const [index, record] of records.entries()) {
        const { status } = await postReceipt(record, bearer);
        if (finished(status)) continue;
        for (const later of records.slice(index)) await keep(later);
        return;
      }
    })().catch(() => null),
  );
});
