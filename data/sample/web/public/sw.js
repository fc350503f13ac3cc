/*
 * Service worker for the Parcel dashboard: keeps thumbnails available offline.
 *
 * Thumbnail URLs are immutable (a new image gets a new file id), so they are
 * served cache-first: once a thumbnail has been seen it loads instantly and
 * keeps working with no network. The cache is capped at MAX_THUMBNAILS
 * entries; the oldest are evicted first. Everything else goes to the network.
 */

const CACHE_VERSION = "v3";
const THUMBNAIL_CACHE = `parcel-thumbnails-${CACHE_VERSION}`;
const SHELL_CACHE = `parcel-shell-${CACHE_VERSION}`;
const MAX_THUMBNAILS = 500;
const THUMBNAIL_PATH = /\/v1\/files\/[^/]+\/thumbnails\/(128|512|1024)$/;
const SHELL_ASSETS = ["/", "/index.html", "/app.js", "/app.css", "/offline-placeholder.webp"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL_ASSETS)).then(() => self.skipWaiting()),
  );
});

// Drop caches from older versions of this worker.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("parcel-") && !name.endsWith(CACHE_VERSION))
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** Delete the oldest cached thumbnails until at most `limit` remain (keys() is insertion order). */
async function trimCache(cacheName, limit) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - limit; i++) {
    await cache.delete(keys[i]);
  }
}

/** Cache-first lookup for a thumbnail; falls back to a placeholder image when offline. */
async function thumbnailFromCacheOrNetwork(request) {
  const cache = await caches.open(THUMBNAIL_CACHE);
  const cached = await cache.match(request);
  if (cached) {
    return cached;
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type !== "opaque") {
      await cache.put(request, response.clone());
      trimCache(THUMBNAIL_CACHE, MAX_THUMBNAILS);
    }
    return response;
  } catch (offline) {
    const placeholder = await caches.match("/offline-placeholder.webp");
    return placeholder || new Response("", { status: 504, statusText: "offline" });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (THUMBNAIL_PATH.test(url.pathname)) {
    event.respondWith(thumbnailFromCacheOrNetwork(request));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/index.html")));
  }
});

// The page asks us to forget a thumbnail when the user deletes a file.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "evict-thumbnails") {
    event.waitUntil(
      caches.open(THUMBNAIL_CACHE).then((cache) =>
        Promise.all(event.data.urls.map((url) => cache.delete(url))),
      ),
    );
  }
});
