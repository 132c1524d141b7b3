// What the phone keeps from the server so the app opens at once and works offline, behind one
// door so that it can be encrypted in one place later. IndexedDB, never Cache Storage: study
// content (the practice catalog and scripts, her program week, check-in forms, the study's
// crisis help), her open check-ins and her few settings (/me). Never her trends (/me/summary).

import * as db from "./db.js";

const STORE = "data";
// What this page has read or kept already, so the next screen does not ask IndexedDB again:
// on a slow phone each read is a round trip that waits behind everything else the page does.
// Emptied with the store, and when the phone is wiped.
const here = new Map();
db.onWipe(() => here.clear());

export async function get(key) {
  if (here.has(key)) return here.get(key);
  const found = await db.get(STORE, key).catch(() => undefined);
  if (found) here.set(key, found.body);
  return found?.body;
}

export async function set(key, body) {
  here.set(key, body);
  await db.put(STORE, { body, at: Date.now() }, key).catch(() => null);
}

export function forget() {
  here.clear();
  return db.clear(STORE);
}
