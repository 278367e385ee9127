// The console's one script (README.md, Console): keeps the live part of a batch page up to date without a
// reload. The element with data-progress-url is replaced every 2 s by the fragment that URL answers, while the
// batch runs (data-live="true"). No inline script anywhere: the content security policy is default-src 'self'.
(function () {
  'use strict';
  var INTERVAL_MS = 2000;

  function schedule() {
    window.setTimeout(refresh, INTERVAL_MS);
  }

  function refresh() {
    var section = document.querySelector('[data-progress-url]');
    if (!section || section.getAttribute('data-live') !== 'true') {
      return;
    }
    fetch(section.getAttribute('data-progress-url'), {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html', 'X-Requested-With': 'fetch' },
      cache: 'no-store'
    }).then(function (response) {
      if (!response.ok || response.redirected) {
        // signed out (the session expired: the answer is the sign-in page) or an error: stop, say so
        throw new Error('progress answered ' + response.status);
      }
      return response.text();
    }).then(function (html) {
      var holder = document.createElement('div');
      holder.innerHTML = html;
      var fresh = holder.querySelector('[data-progress-url]');
      if (fresh) {
        section.replaceWith(fresh);
      }
      schedule();
    }).catch(function () {
      var note = document.getElementById('progress-stale');
      if (!note) {
        note = document.createElement('p');
        note.id = 'progress-stale';
        note.className = 'error';
        note.setAttribute('role', 'alert');
        note.textContent = 'Live progress stopped updating: reload the page (you may have to sign in again).';
        section.prepend(note);
      }
    });
  }

  document.addEventListener('DOMContentLoaded', schedule);
})();
