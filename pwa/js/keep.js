// What the phone keeps from the server so the app opens at once and works offline, behind one
// door so that it can be encrypted in one place later. IndexedDB, never Cache Storage: study
// content (the practice catalog and scripts, her program week, check-in forms, the study's
// crisis help), her open check-ins and her few settings (/me). Never her trends (/me/summary).

import * as db from "./db.js";

const STORE = "data";

export async function get(key) {
  const found = await db.get(STORE, key).catch(() => undefined);
  return found?.body;
}

export async function set(key, body) {
  await db.put(STORE, { body, at: Date.now() }, key).catch(() => null);
}

export function forget() {
  return db.clear(STORE);
}
