// New versions of the app: the service worker downloads them behind her; the page says when it
// is a good moment to switch (the next start, or a practice or check-in just ended), never in
// the middle of one, and tells her in one quiet line once the new version is running.

let ready = false;
// The version running, as the service worker names it (the hash of /version.json's list).
let running = null;

export const version = () => running;

// A question to the service worker, answered on a port of its own; null without an answer.
export function ask(type, timeoutMs = 5000) {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage({ type }, [channel.port2]);
  });
}

export function listen() {
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "update-ready") ready = true;
  });
}

// The app has drawn its first screen: this version works. Returns whether it was just applied.
export async function started() {
  window.savorStarted = true;
  const answer = await ask("started");
  running = answer?.version ?? null;
  if (answer?.staged) ready = true;
  return Boolean(answer?.applied);
}

// Look for a new version; resolves once the worker has the app's files (or has given up).
export async function check() {
  const answer = await ask("check", 120_000);
  if (answer?.staged) ready = true;
  return Boolean(answer?.ready);
}

// At a natural pause: switch to the new version and open it again. False when there is none,
// or another window of the app is open (that window's practice is not interrupted).
export async function applyNow() {
  if (!ready) return false;
  const answer = await ask("apply");
  if (!answer?.applied) return false;
  location.reload();
  return true;
}
