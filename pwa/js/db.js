// A small promise wrapper over IndexedDB. Each call is one short transaction, and nothing else
// is awaited inside it (an awaited fetch would let the transaction close under us).

const NAME = "savor";
const VERSION = 2;
const STORES = {
  kv: undefined,
  outbox: { keyPath: "seq", autoIncrement: true },
  kept: { keyPath: "id" },
  journal: { keyPath: "id" },
  // Study content and her own few settings, for offline use (js/keep.js).
  data: undefined,
};
let opening;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const [name, options] of Object.entries(STORES)) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, options);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

async function store(name, mode = "readonly") {
  const db = await open();
  return db.transaction(name, mode).objectStore(name);
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export async function get(name, key) {
  return request((await store(name)).get(key));
}

export async function all(name) {
  return request((await store(name)).getAll());
}

export async function first(name) {
  const objects = await store(name);
  const cursor = await request(objects.openCursor());
  return cursor ? cursor.value : undefined;
}

export async function count(name) {
  return request((await store(name)).count());
}

export async function put(name, value, key) {
  const objects = await store(name, "readwrite");
  const finished = done(objects.transaction);
  const result = await request(key === undefined ? objects.put(value) : objects.put(value, key));
  await finished;
  return result;
}

export async function remove(name, key) {
  const objects = await store(name, "readwrite");
  objects.delete(key);
  await done(objects.transaction);
}

export async function clear(name) {
  const objects = await store(name, "readwrite");
  objects.clear();
  await done(objects.transaction);
}

// Move one record from one store to another in a single transaction.
export async function move(from, key, to, value) {
  const db = await open();
  const tx = db.transaction([from, to], "readwrite");
  tx.objectStore(from).delete(key);
  tx.objectStore(to).put(value);
  await done(tx);
}

// Every record of a store with its key: [[key, value], ...].
export async function entries(name) {
  const objects = await store(name);
  const [keys, values] = await Promise.all([
    request(objects.getAllKeys()),
    request(objects.getAll()),
  ]);
  return keys.map((key, i) => [key, values[i]]);
}

// Several puts and deletes across stores, all or none: [{store, value, key?}], [{store, key}].
export async function batch(puts, removals = []) {
  const db = await open();
  const names = [...new Set([...puts, ...removals].map((w) => w.store))];
  const tx = db.transaction(names, "readwrite");
  for (const { store: name, value, key } of puts) {
    if (key === undefined) tx.objectStore(name).put(value);
    else tx.objectStore(name).put(value, key);
  }
  for (const { store: name, key } of removals) tx.objectStore(name).delete(key);
  await done(tx);
}

export const kv = {
  get: (key) => get("kv", key),
  set: (key, value) => put("kv", value, key),
  remove: (key) => remove("kv", key),
};

const wiped = new Set();

// Called when the phone is wiped, for those who keep a copy in memory (js/keep.js).
export function onWipe(listener) {
  wiped.add(listener);
}

export async function wipe() {
  for (const listener of wiped) listener();
  for (const name of Object.keys(STORES)) await clear(name);
}
