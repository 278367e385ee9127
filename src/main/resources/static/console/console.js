// The console's one script (README.md, Console): keeps the live parts of a batch page (data-live-part: its
// progress and its rows table) up to date without a reload. Every 2 s, while the batch runs (data-live="true" on
// the progress), it fetches the progress URL with the page's own query (filter, search, page) and swaps each part
// for the one of the same id in the answer. No inline script anywhere: the content security policy is
// default-src 'self'.
(function () {
  'use strict';
  var INTERVAL_MS = 2000;

  function schedule() {
    window.setTimeout(refresh, INTERVAL_MS);
  }

  function stale(progress) {
    if (document.getElementById('progress-stale')) {
      return;
    }
    var note = document.createElement('p');
    note.id = 'progress-stale';
    note.className = 'error';
    note.setAttribute('role', 'alert');
    note.textContent = 'Live progress stopped updating: reload the page (you may have to sign in again).';
    progress.parentNode.insertBefore(note, progress);
  }

  function refresh() {
    var progress = document.querySelector('[data-progress-url]');
    if (!progress || progress.getAttribute('data-live') !== 'true') {
      return;
    }
    fetch(progress.getAttribute('data-progress-url') + window.location.search, {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' },
      cache: 'no-store'
    }).then(function (response) {
      if (!response.ok || response.redirected) {
        // signed out (the session expired: the answer is the sign-in page) or an error: stop, and say so
        throw new Error('progress answered ' + response.status);
      }
      return response.text();
    }).then(function (html) {
      var answer = new DOMParser().parseFromString(html, 'text/html');
      var fresh = answer.querySelectorAll('[data-live-part]');
      if (fresh.length === 0) {
        throw new Error('progress answered no live part');
      }
      fresh.forEach(function (part) {
        var old = part.id && document.getElementById(part.id);
        if (old) {
          old.replaceWith(document.importNode(part, true));
        }
      });
      schedule();
    }).catch(function () {
      stale(progress);
    });
  }

  document.addEventListener('DOMContentLoaded', schedule);
})();
