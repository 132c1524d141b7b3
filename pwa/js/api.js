// The only module that knows the server's URLs. What she needs to open the app and start a
// practice is kept on the phone (keep.js) and shown at once, then refreshed behind her; her
// open check-ins come from the network first; her trends only from the network. Writes are
// described here and sent by the outbox.

import { kv } from "./db.js";
import { language } from "./i18n.js";
import * as keep from "./keep.js";

const BASE = "/api/v1";
const TIMEOUT_MS = 8000;
// A screen drawn again within this time does not ask the server again.
const REFRESH_MS = 30_000;
const refreshedAt = new Map();
const FRESH_WAIT_MS = 3000;
const WAITED = Symbol("waited");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms, WAITED));
const changes = new EventTarget();
let token;
// Refreshes behind her wait until the app lets them start (main.js: once she is still after
// her first screen): on a slow phone, answers to read and store would hold up her taps.
let letRefresh;
const calm = new Promise((resolve) => (letRefresh = resolve));
export const startRefreshes = () => letRefresh();

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 0 ? "offline" : "error");
    this.fields = error.fields || [];
  }
}

export async function loadToken() {
  token = await kv.get("token");
  return token;
}

export async function setToken(value) {
  token = value;
  await (value ? kv.set("token", value) : kv.remove("token"));
}

export function hasToken() {
  return Boolean(token);
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  } catch {
    return { status: 0, body: null };
  } finally {
    clearTimeout(timer);
  }
}

async function get(address) {
  const { status, body } = await call("GET", address);
  if (status < 200 || status >= 300) throw new ApiError(status, body);
  return body;
}

// One request at a time per address: a screen and a fetch ahead may ask at once.
const asking = new Map();

function getAndKeep(address) {
  if (!asking.has(address)) {
    const asked = (async () => {
      const body = await get(address);
      await keep.set(address, body);
      refreshedAt.set(address, Date.now());
      return body;
    })().finally(() => asking.delete(address));
    asking.set(address, asked);
  }
  return asking.get(address);
}

// How a read uses what the phone keeps:
// - "kept": what is kept, at once, refreshed behind her (a change is announced, see onChange);
// - "fresh": the network first, what is kept when there is no connection;
// - "network": the network only, nothing kept.
// The language is part of the address so each language is kept apart.
const addressOf = (path) => `${path}${path.includes("?") ? "&" : "?"}lang=${language()}`;

async function read(path, mode = "network") {
  const address = addressOf(path);
  if (mode === "network") return get(address);
  if (mode === "fresh") {
    // A slow connection is waited for a few seconds, then what is kept is shown.
    const network = getAndKeep(address);
    const first = await Promise.race([network.catch((error) => error), sleep(FRESH_WAIT_MS)]);
    const offline = first === WAITED || (first instanceof ApiError && first.status === 0);
    if (!offline) {
      if (first instanceof ApiError) throw first;
      return first;
    }
    const kept = await keep.get(address);
    return kept === undefined ? network : kept;
  }
  const kept = await keep.get(address);
  if (kept === undefined) return getAndKeep(address);
  if (navigator.onLine && Date.now() - (refreshedAt.get(address) ?? 0) > REFRESH_MS) {
    refreshedAt.set(address, Date.now());
    calm
      .then(() => getAndKeep(address))
      .then((body) => {
        if (JSON.stringify(body) !== JSON.stringify(kept)) {
          changes.dispatchEvent(new CustomEvent("change", { detail: path }));
        }
      })
      .catch(() => null);
  }
  return kept;
}

// Called with the path (e.g. "/prompts") when a refresh behind her brought something new.
export function onChange(listener) {
  const handler = (event) => listener(event.detail);
  changes.addEventListener("change", handler);
  return () => changes.removeEventListener("change", handler);
}

async function now(method, path, body) {
  const { status, body: answer } = await call(method, path, body);
  if (status < 200 || status >= 300) throw new ApiError(status, answer);
  return answer;
}

export const enroll = (body) => now("POST", "/enroll", body);
// The consent: of a code's study before she joins, of her study after; her agreement to it.
export const enrollConsent = (body) => now("POST", "/enroll/consent", body);
export const consent = () => now("GET", "/me/consent");
export async function agreeConsent(version) {
  const changed = await now("POST", "/me/consent", { version });
  await keep.set(addressOf("/me"), changed);
  return changed;
}
// Everything the server holds about her (never kept on the phone), and deleting it.
export const myData = () => now("GET", "/me/export");
export const deleteMe = () => now("POST", "/me/deletion");
// Her settings and status: Home shows the kept ones at once; other screens ask first.
export const me = (mode = "fresh") => read("/me", mode);
// Her status as last kept on this phone, without asking the server (undefined if none).
export const keptMe = () => keep.get(addressOf("/me"));
// Her status as the server just answered a change to it, kept as if read.
export const keepMe = (body) => keep.set(addressOf("/me"), body);
export const program = (mode = "kept") => read("/program", mode);
export const practices = (mode = "kept") => read("/practices", mode);
export const practice = (id, mode = "kept") => read(`/practices/${encodeURIComponent(id)}`, mode);
export const instrument = (id, mode = "kept") =>
  read(`/instruments/${encodeURIComponent(id)}`, mode);
// A check-in just sent to her must be there when she opens the app from the notification.
export const prompts = (mode = "fresh") => read("/prompts", mode);
// The practice a trial's notification offers: its push names none, so the server is asked.
export const probeOffer = (id) => read(`/prompts/${encodeURIComponent(id)}/offer`, "network");
export const summary = () => read("/me/summary", "network");
// The study's crisis resources and contact: nothing about her, and needed most when offline.
export const help = (mode = "kept") => read("/help", mode);
export const pushKey = () => now("GET", "/push/public-key");
// Whether her notifications reach her phone (the server's view: receipts, refused pushes).
export const pushHealth = (mode = "kept") => read("/push/health", mode);
export const subscribePush = (subscription) => now("POST", "/push-subscriptions", subscription);
export const unsubscribePush = (endpoint) => now("DELETE", "/push-subscriptions", { endpoint });
export async function withdraw() {
  const changed = await now("POST", "/me/withdraw");
  await keep.set(addressOf("/me"), changed);
  return changed;
}

// Writes, as records the outbox stores and sends in order.
export const writes = {
  practiceSession: (body) => ({
    kind: "practice",
    method: "POST",
    path: "/practice-sessions",
    body,
  }),
  response: (body) => ({ kind: "response", method: "POST", path: "/responses", body }),
  promptOpened: (id) => ({ kind: "opened", method: "POST", path: `/prompts/${id}/opened` }),
  offer: (id, outcome) => ({
    kind: "offer",
    method: "POST",
    path: `/offers/${id}`,
    body: { outcome },
  }),
  updateMe: (changes) => ({ kind: "settings", method: "PATCH", path: "/me", body: changes }),
};

export function send(record) {
  return call(record.method, record.path, record.body);
}

// Instruments every practice and check-in may need, fetched so they work offline later.
export const INSTRUMENTS = [
  "pre_practice",
  "post_practice",
  "post_practice_savoring",
  "post_practice_craving",
  "hard_moment",
  "momentary",
  "end_of_day",
];

// A practice and the ratings before it, fetched and kept unless the phone has them already,
// so that it opens at once, even offline, the first time she taps it.
export async function keepAhead(id) {
  const once = async (path) => (await keep.get(addressOf(path))) ?? getAndKeep(addressOf(path));
  const found = await once(`/practices/${encodeURIComponent(id)}`);
  const first = found?.ema_pre?.at(-1);
  if (first) await once(`/instruments/${encodeURIComponent(first)}`);
}

// At most `width` at a time: a phone opens few connections, and her taps need some of them.
async function inTurn(items, width, work) {
  const results = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

// Fetch and keep everything she may need offline (her trends are not kept).
export async function warm(audioLanguage) {
  const list = await practices("fresh");
  const details = await inTurn(list, 2, (p) => practice(p.id, "fresh").catch(() => null));
  await inTurn(
    [
      () => me("fresh"),
      () => program("fresh"),
      () => prompts("fresh").catch(() => null),
      () => help("fresh").catch(() => null),
      ...INSTRUMENTS.map((id) => () => instrument(id, "fresh").catch(() => null)),
    ],
    2,
    (fetchOne) => fetchOne(),
  );
  const audio = details
    .filter((p) => p?.unlocked)
    .flatMap((p) => p.variants.flatMap((v) => v.audio.filter((a) => a.language === audioLanguage)));
  for (const { url } of audio) await fetch(url).catch(() => null);
  return details.filter(Boolean).length === list.length;
}
