// Savor's service worker: the shell precached, pages and code network-first with a short
// timeout, her practice content kept for offline use, audio cached with range requests.
// Writes never pass through here: the page's outbox stores and sends them.

const VERSION = "v1";
const SHELL_CACHE = `savor-shell-${VERSION}`;
const DATA_CACHE = `savor-data-${VERSION}`;
const AUDIO_CACHE = `savor-audio-${VERSION}`;
const CACHES = [SHELL_CACHE, DATA_CACHE, AUDIO_CACHE];
const TIMEOUT_MS = 3000;
const VIEWS = [
  "enroll",
  "home",
  "practices",
  "player",
  "setup",
  "steps",
  "checkin",
  "form",
  "offers",
  "trends",
  "charts",
  "reflect",
  "help",
  "settings",
  "notify",
  "lock",
];
const SHELL = [
  "/",
  "/app.css",
  "/manifest.webmanifest",
  "/i18n/en.json",
  "/i18n/es.json",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/js/main.js",
  "/js/api.js",
  "/js/db.js",
  "/js/html.js",
  "/js/i18n.js",
  "/js/outbox.js",
  "/js/router.js",
  "/js/prompts.js",
  "/js/bell.js",
  ...VIEWS.map((name) => `/js/views/${name}.js`),
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (!CACHES.includes(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/v1/audio/")) {
    event.respondWith(audio(request));
  } else if (url.pathname === "/api/v1/push/public-key") {
    return;
  } else if (url.pathname.startsWith("/api/v1/")) {
    event.respondWith(networkFirst(request, DATA_CACHE, request));
  } else if (url.pathname.startsWith("/api/")) {
    return;
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, SHELL_CACHE, "/"));
  } else {
    event.respondWith(networkFirst(request, SHELL_CACHE, request));
  }
});

// Try the network for a few seconds; keep what it returns; else answer from the cache.
async function networkFirst(request, cacheName, cacheKey) {
  const cache = await caches.open(cacheName);
  const network = fetch(request).then(async (response) => {
    if (response.ok && response.type === "basic") await cache.put(cacheKey, response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
  } catch {
    // offline: fall through to the cache
  }
  const cached = await cache.match(cacheKey, { ignoreSearch: cacheKey === "/" });
  if (cached) return cached;
  try {
    return await network;
  } catch {
    return offlineAnswer(request);
  }
}

function offlineAnswer(request) {
  const body = JSON.stringify({ error: { code: "offline", message: "offline" } });
  const json = { "Content-Type": "application/json" };
  return request.url.includes("/api/")
    ? new Response(body, { status: 503, headers: json })
    : Response.error();
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
      return offlineAnswer(request);
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

// Background Sync is a bonus (Safari and Firefox lack it): ask an open page to flush.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(tellClients({ type: "flush" }));
});

async function tellClients(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

// Push text is written by the server and stays neutral ("Time for a short check-in").
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data?.text() };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Savor", {
      body: data.body || "",
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      tag: data.tag || "savor",
      data: { url: data.url || "/#/checkin" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.url || "/";
  event.waitUntil(
    (async () => {
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
