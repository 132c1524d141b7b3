// The vault: what she writes for herself is sealed with AES-GCM before it touches IndexedDB.
//
// With an app PIN, the key is derived from it (PBKDF2-SHA-256, 310,000 rounds, a salt made on
// this phone) and lives only in memory while the app is unlocked: nothing stored can open it,
// so a forgotten PIN loses what was sealed. Without a PIN, a device key that cannot be
// exported stays in IndexedDB. Setting, changing or removing the PIN seals everything again
// under the new key.
//
//   await vault.ready()           true when a key is in memory (after unlock, or with no PIN)
//   await vault.seal(value)       -> {iv, data}: any JSON value, sealed
//   await vault.open(sealed)      -> the value (throws if the key is wrong or the data changed)
//   await vault.unlock(pin)       true when the PIN is right (the key is then in memory)
//   vault.lock()                  forgets the key in memory (a PIN is needed again)
//   await vault.setPin(pin) / changePin(old, new) / removePin(pin)
//   await vault.hasPin()
//
// A sealed record is any record with a `sealed` field (what it holds, `seal`ed), in one of
// SEALED_STORES: a new key re-seals every one of them. In "journal" (keyPath "id") a record
// is `{id, sealed}`; in "kv" (keys of their own) a module may keep `{sealed}` under its key,
// as questionnaire drafts do.

import * as db from "./db.js";

export const SEALED_STORES = ["journal", "kv"];
// Records written before the vault, in plain text, are sealed in these stores (kv holds the
// app's own settings, which stay as they are).
const PLAIN_BEFORE = ["journal"];
export const ITERATIONS = 310_000;
const PIN_KEY = "pin";
const DEVICE_KEY = "deviceKey";
const CHECK = "savor-vault";
let key = null;

const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function pinKey(pin, salt, iterations) {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(pin),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function sealWith(k, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    k,
    new TextEncoder().encode(JSON.stringify(value)),
  );
  return { iv: b64(iv), data: b64(data) };
}

async function openWith(k, sealed) {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: unb64(sealed.iv) },
    k,
    unb64(sealed.data),
  );
  return JSON.parse(new TextDecoder().decode(plain));
}

// The PIN record before the vault: a salted hash only, and the journal in plain text.
async function legacyPinMatches(stored, pin) {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(pin),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: unb64(stored.salt), iterations: stored.iterations },
    material,
    256,
  );
  return b64(bits) === stored.hash;
}

export async function hasPin() {
  return Boolean(await db.kv.get(PIN_KEY));
}

// Without a PIN, the device key: made once, kept in IndexedDB, never readable as bytes.
async function deviceKey() {
  let found = await db.kv.get(DEVICE_KEY);
  if (!found) {
    found = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    await db.kv.set(DEVICE_KEY, found);
  }
  return found;
}

export async function ready() {
  if (key) return true;
  if (await hasPin()) return false;
  key = await deviceKey();
  await sealPlain();
  return true;
}

export async function seal(value) {
  if (!(await ready())) throw new Error("locked");
  return sealWith(key, value);
}

export async function open(sealed) {
  if (!(await ready())) throw new Error("locked");
  return openWith(key, sealed);
}

export function lock() {
  key = null;
}

export async function unlock(pin) {
  const stored = await db.kv.get(PIN_KEY);
  if (!stored) return ready();
  if (stored.hash) {
    if (!(await legacyPinMatches(stored, pin))) return false;
    key = await deviceKey();
    await sealPlain();
    await setPin(pin);
    return true;
  }
  const candidate = await pinKey(pin, unb64(stored.salt), stored.iterations);
  try {
    if ((await openWith(candidate, stored.check)) !== CHECK) return false;
  } catch {
    return false;
  }
  key = candidate;
  await sealPlain();
  return true;
}

// Every sealed record opened with the key in memory and sealed with `next`: the writes, to be
// stored in one transaction with the new key's record, so a phone switched off halfway
// leaves everything under the old key or everything under the new one.
async function resealed(next) {
  const puts = [];
  for (const store of SEALED_STORES) {
    const keyed = store === "kv"; // its records' keys are not inside them
    for (const [k, record] of await db.entries(store)) {
      if (!record?.sealed) continue;
      const value = { ...record, sealed: await sealWith(next, await openWith(key, record.sealed)) };
      puts.push(keyed ? { store, key: k, value } : { store, value });
    }
  }
  return puts;
}

// Records written before the vault, in plain text: sealed now, their words removed.
async function sealPlain() {
  for (const store of PLAIN_BEFORE) {
    for (const record of await db.all(store)) {
      if (record.sealed) continue;
      const { id, ...rest } = record;
      await db.put(store, { id, sealed: await sealWith(key, rest) });
    }
  }
}

export async function setPin(pin) {
  if (!(await ready())) throw new Error("locked");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const next = await pinKey(pin, salt, ITERATIONS);
  const check = await sealWith(next, CHECK);
  const record = { salt: b64(salt), iterations: ITERATIONS, check };
  const puts = [...(await resealed(next)), { store: "kv", key: PIN_KEY, value: record }];
  await db.batch(puts, [{ store: "kv", key: DEVICE_KEY }]);
  key = next;
}

export async function changePin(current, pin) {
  if (!(await unlock(current))) return false;
  await setPin(pin);
  return true;
}

export async function removePin(current) {
  if (!(await unlock(current))) return false;
  const next = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const puts = [...(await resealed(next)), { store: "kv", key: DEVICE_KEY, value: next }];
  await db.batch(puts, [{ store: "kv", key: PIN_KEY }]);
  key = next;
  return true;
}
