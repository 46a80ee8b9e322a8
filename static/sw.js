// The service worker: the site opens without signal. Static files (content-hashed names) come from
// the phone once fetched; a page comes from the network when it can, else from the copy kept the
// last time it was opened. Pages are kept only for the user who opened them: logging out clears
// them (app.js). Writes (POST) are never touched here: the page keeps them in its outbox.
"use strict";
var STATIC = "bangfu-static-v1";
var PAGES = "bangfu-pages-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== STATIC && name !== PAGES; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  var html = '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>没有网络</title><p style=\"font: 16px sans-serif; padding: 1rem\">当前没有网络，这个页面此前没有在本机打开过。" +
    "请在有信号时打开一次；已填写的周报仍保存在手机上。</p></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (kept) {
        return kept || fetch(request).then(function (answer) {
          if (answer.ok) cache.put(request, answer.clone());
          return answer;
        });
      });
    }));
    return;
  }
  if (request.mode !== "navigate") return;
  event.respondWith(fetch(request).then(function (answer) {
    if (answer.ok && !answer.redirected && url.pathname !== "/login") {
      var copy = answer.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return answer;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (kept) { return kept || offlinePage(); });
    });
  }));
});
