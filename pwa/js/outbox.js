// Everything she does is saved on the phone first, then sent in order, each record exactly
// once: it stays here until the server answers 2xx. A record the server can never accept
// (409, 422, ...) is kept aside and shown, never dropped.

import * as db from "./db.js";
import { send } from "./api.js";

const NEVER_OK = new Set([400, 403, 404, 409, 410, 413, 422]);
// Marks about her data ("opened", an offer's outcome, a notification's receipt or a renewed
// push subscription, which the service worker may leave here) are not her data: if refused,
// let go.
const MARKS = new Set(["opened", "offer", "receipt", "subscription"]);
let running = null;
// Screens that show what waits here hear when a flush sent or set aside something.
const settled = new EventTarget();

export function onSettled(listener) {
  settled.addEventListener("settled", listener);
  return () => settled.removeEventListener("settled", listener);
}

export async function enqueue(write, label = write.kind) {
  const id = write.body?.client_id ?? crypto.randomUUID();
  await db.put("outbox", { ...write, id, label, created_at: new Date().toISOString() });
  // Where Background Sync exists, the service worker also asks for a flush when online again.
  navigator.serviceWorker?.ready.then((r) => r.sync?.register("outbox")).catch(() => null);
  return id;
}

async function sendAll() {
  const results = {};
  let moved = false;
  for (let record = await db.first("outbox"); record; record = await db.first("outbox")) {
    const { status, body } = await send(record);
    if (status >= 200 && status < 300) {
      await db.remove("outbox", record.seq);
      results[record.id] = body;
    } else if (NEVER_OK.has(status) && MARKS.has(record.kind)) {
      await db.remove("outbox", record.seq);
    } else if (NEVER_OK.has(status)) {
      await db.move("outbox", record.seq, "kept", {
        ...record,
        status,
        error: body?.error ?? null,
      });
    } else {
      break; // offline, or the server is busy: keep the order and try again later
    }
    moved = true;
  }
  if (moved) settled.dispatchEvent(new Event("settled"));
  return results;
}

// One sender at a time, across tabs too where the browser has Web Locks.
export function flush() {
  running ??= (navigator.locks ? navigator.locks.request("savor-outbox", sendAll) : sendAll())
    .catch(() => ({}))
    .finally(() => {
      running = null;
    });
  return running;
}

// Save, try to send right away, and say which of the two happened.
export async function save(write, label) {
  const id = await enqueue(write, label);
  const waiting = async () => (await db.all("outbox")).some((r) => r.id === id);
  let results = await flush();
  // A flush already under way may have finished just before this record was stored.
  if (await waiting()) results = { ...results, ...(await flush()) };
  const pending = await waiting();
  const kept = Boolean(await db.get("kept", id));
  return { id, sent: id in results, pending, kept, result: results[id] ?? null };
}

export async function pending() {
  return db.all("outbox");
}

export async function kept() {
  return db.all("kept");
}

export async function forget(id) {
  await db.remove("kept", id);
}
