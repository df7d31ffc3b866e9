// Flash's service worker: opens the app offline and never changes the
// running version behind the user's back.
//
// scripts/post-build.sh fills in the two placeholders below: the build's
// version (a hash of every shipped file, so any change makes a new service
// worker) and the app shell to precache, the .wasm files included.
"use strict";

const VERSION = "__FLASH_BUILD_VERSION__";
const PRECACHE = ["__FLASH_PRECACHE__"];
const CACHE = "flash-shell-" + VERSION;
const INDEX = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("flash-shell-") && name !== CACHE)
          .map((name) => caches.delete(name))))
      // The first install controls the page at once so it works offline
      // from its first visit; updates wait for the user (see "message").
      .then(() => self.clients.claim()),
  );
});

// The app posts this when the user accepts the waiting update.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Live answers (the API, the dev mint) go straight to the network.
  const live = url.pathname.startsWith("/api/") || url.pathname.startsWith("/mint/");
  if (url.origin !== self.location.origin || live) return;

  if (request.mode === "navigate") {
    // Network first so a reachable server always serves the newest page;
    // the cached shell when it is not.
    event.respondWith(
      fetch(request).catch(() => caches.match(INDEX, { cacheName: CACHE })
        .then((cached) => cached || Response.error())),
    );
    return;
  }
  event.respondWith(
    caches.match(request, { cacheName: CACHE, ignoreSearch: true })
      .then((cached) => cached || fetch(request)),
  );
});
