/* Service worker of the public survey, served as /s/sw.js so that its scope is /s/.
   For each survey opened online it keeps the offline form (/s/<token>/app), the questionnaire
   from the API, the CSS and scripts, and the quick-exit page. Offline, /s/<token> and
   /s/<token>/app open the kept form. Answers are never cached here (the form keeps them). */
'use strict';
var CACHE = 'cpplan-survey-1';
var PAGE = /^\/s\/([A-Za-z0-9_-]+)(\/app)?\/?$/;

self.addEventListener('install', function () { self.skipWaiting(); });

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('cpplan-survey-') === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function put(key, response) {
  return caches.open(CACHE).then(function (cache) { return cache.put(key, response); });
}

function fetchAndPut(url, key) {
  return fetch(url, {credentials: 'same-origin'}).then(function (response) {
    if (!response.ok) throw new Error(response.status);
    return put(key || url, response.clone()).then(function () { return response; });
  });
}

/* Keep a survey's offline form and everything it loads. */
function keep(url) {
  var path = new URL(url, self.location.href).pathname;
  return fetchAndPut(url, path).then(function (response) { return response.text(); }).then(function (html) {
    var found = {}, re = /(?:src|href|data-api)="(\/(?:static|api)\/[^"?#]+|\/s\/exit)"/g, m;
    while ((m = re.exec(html))) found[m[1]] = 1;
    return Promise.all(Object.keys(found).map(function (u) { return fetchAndPut(u).catch(function () {}); }));
  });
}

/* A survey that is closed or gone: forget its offline form. */
function drop(token) {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(['/s/' + token + '/app', '/api/v1/surveys/' + token].map(function (k) { return cache.delete(k); }));
  });
}

self.addEventListener('message', function (event) {
  if (event.data && typeof event.data.keep === 'string') event.waitUntil(keep(event.data.keep).catch(function () {}));
});

function networkFirst(event, key, token, store) {
  return fetch(event.request).then(function (response) {
    if (token && (response.status === 404 || response.status === 410)) event.waitUntil(drop(token));
    else if (store && response.ok) event.waitUntil(put(key, response.clone()));
    return response;
  }, function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request, url = new URL(request.url), m;
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/s/exit') {
    event.respondWith(networkFirst(event, '/s/exit'));
  } else if (request.mode === 'navigate' && (m = url.pathname.match(PAGE)) && m[1] !== 'sw.js') {
    event.respondWith(networkFirst(event, '/s/' + m[1] + '/app', m[1], !!m[2]));
  } else if ((m = url.pathname.match(/^\/api\/v1\/surveys\/([A-Za-z0-9_-]+)$/))) {
    event.respondWith(networkFirst(event, url.pathname, m[1], true));
  } else if (url.pathname.indexOf('/static/') === 0) {
    /* Kept files first (2G is slow), refreshed in the background. */
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (hit && response.ok) return put(url.pathname, response.clone()).then(function () { return response; });
        return response;
      });
      if (!hit) return fresh;
      event.waitUntil(fresh.catch(function () {}));
      return hit;
    }));
  }
});
