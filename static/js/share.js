// The "Share" block of a public page. Without this script the link stays in a read-only field to select
// and copy by hand; with it, a tap selects the whole link, and the phone's share sheet (navigator.share)
// and a copy button (navigator.clipboard) appear where the browser has them.
(function () {
  'use strict';

  function setUp(box) {
    var input = box.querySelector('[data-share-url]');
    var status = box.querySelector('[data-share-status]');
    var native = box.querySelector('[data-share-native]');
    var copy = box.querySelector('[data-share-copy]');
    if (!input) return;

    input.addEventListener('focus', function () { input.select(); });

    function say(text) { if (status) status.textContent = text; }

    if (native && navigator.share) {
      native.hidden = false;
      native.querySelector('button').addEventListener('click', function () {
        navigator.share({ title: input.getAttribute('data-share-title') || document.title, url: input.value })
          .catch(function () { /* the visitor closed the share sheet: nothing to say */ });
      });
    }
    if (copy && navigator.clipboard && navigator.clipboard.writeText) {
      copy.hidden = false;
      copy.querySelector('button').addEventListener('click', function () {
        navigator.clipboard.writeText(input.value).then(function () {
          say(box.getAttribute('data-copied'));
        }, function () {
          input.focus();
          say(box.getAttribute('data-failed'));
        });
      });
    }
    var buttons = box.querySelector('[data-share-buttons]');
    if (buttons && ((native && !native.hidden) || (copy && !copy.hidden))) buttons.hidden = false;
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-share]'), setUp);
}());
