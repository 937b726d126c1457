// The service worker of the capture page (served as /sw.js, which writes VERSION and ASSETS
// above this line): it keeps the page and its assets in the browser's cache so that the page
// opens on a phone that has lost the service. Registered for the scope /capture only: no other
// page of the site is touched. The page is fetched from the network first (it carries a fresh
// CSRF token and the policy pack's channels) and from the cache only when the network fails;
// the assets, whose URLs carry the version, from the cache first. Nothing is ever posted from
// here: the page's own script keeps and sends the queue.
/* global VERSION, ASSETS */
const CACHE = `commsgov-capture-${VERSION}`;
const PAGE = "/capture";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      await keepPage(cache, await fetch(PAGE, { credentials: "same-origin" }));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("commsgov-capture-") && name !== CACHE)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

// only the capture page itself, as a signed-in person sees it (not the sign-in page that an
// ended session is sent to)
async function keepPage(cache, answer) {
  if (answer.ok && !answer.redirected && new URL(answer.url).pathname === PAGE) {
    await cache.put(PAGE, answer.clone());
  }
  return answer;
}

// the network first; the kept page when there is none, or only a gateway's error page
async function page(request) {
  const cache = await caches.open(CACHE);
  let answer = Response.error();
  try {
    answer = await keepPage(cache, await fetch(request));
    if (answer.status < 500) {
      return answer;
    }
  } catch (error) {
    // no network: the kept page below
  }
  const kept = await cache.match(PAGE, { ignoreSearch: true, ignoreVary: true });
  return kept || answer;
}

async function asset(request) {
  const kept = await caches.match(request, { ignoreVary: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  // the page as a browser opens it (not HTMX's fragments, nor the page's script asking the
  // server for a fresh CSRF token: those want the network or nothing)
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname + url.search)) {
    event.respondWith(asset(request));
  }
});
