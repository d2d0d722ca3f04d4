/* Makes the public survey available offline: installs the survey's service worker (scope /s/)
   and asks it to keep this survey's offline form. The form itself works without this script. */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(me.dataset.sw).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    reg.active.postMessage({keep: me.dataset.app + '?lang=' + encodeURIComponent(me.dataset.lang)});
  }).catch(function () { /* no offline form on this phone; the online form still works */ });
})();
