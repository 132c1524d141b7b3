// The only module that knows the server's URLs. Reads go straight to the network (the service
// worker answers from its cache when offline); writes are described here and sent by the outbox.

import { kv } from "./db.js";
import { language } from "./i18n.js";

const BASE = "/api/v1";
const TIMEOUT_MS = 8000;
let token;

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

async function read(path) {
  // The language is part of the address so the offline cache keeps each language apart.
  const sep = path.includes("?") ? "&" : "?";
  const { status, body } = await call("GET", `${path}${sep}lang=${language()}`);
  if (status < 200 || status >= 300) throw new ApiError(status, body);
  return body;
}

async function now(method, path, body) {
  const { status, body: answer } = await call(method, path, body);
  if (status < 200 || status >= 300) throw new ApiError(status, answer);
  return answer;
}

export const enroll = (body) => now("POST", "/enroll", body);
export const me = () => read("/me");
export const program = () => read("/program");
export const practices = () => read("/practices");
export const practice = (id) => read(`/practices/${encodeURIComponent(id)}`);
export const instrument = (id) => read(`/instruments/${encodeURIComponent(id)}`);
export const prompts = () => read("/prompts");
export const summary = () => read("/me/summary");
export const help = () => read("/help");
export const pushKey = () => now("GET", "/push/public-key");
export const subscribePush = (subscription) => now("POST", "/push-subscriptions", subscription);
export const unsubscribePush = (endpoint) => now("DELETE", "/push-subscriptions", { endpoint });
export const withdraw = () => now("POST", "/me/withdraw");

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

export async function warm(audioLanguage) {
  const list = await practices();
  const details = await Promise.all(list.map((p) => practice(p.id).catch(() => null)));
  await Promise.all([
    me(),
    program(),
    summary(),
    prompts().catch(() => null),
    help().catch(() => null),
    ...INSTRUMENTS.map((id) => instrument(id).catch(() => null)),
  ]);
  const audio = details
    .filter((p) => p?.unlocked)
    .flatMap((p) => p.variants.flatMap((v) => v.audio.filter((a) => a.language === audioLanguage)));
  for (const { url } of audio) await fetch(url).catch(() => null);
  return details.filter(Boolean).length === list.length;
}
