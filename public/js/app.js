// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // Live running durations: <time data-since="ISO">.
  function formatDuration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600),
      m = Math.floor((s % 3600) / 60),
      r = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + r + 's';
  }
  function tick() {
    document.querySelectorAll('[data-since]').forEach(function (el) {
      var since = Date.parse(el.getAttribute('data-since'));
      if (!isNaN(since)) el.textContent = formatDuration((Date.now() - since) / 1000);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener('DOMContentLoaded', tick);

  // Confirmation for destructive buttons: <button data-confirm="...">.
  document.addEventListener('click', function (event) {
    var target = event.target.closest && event.target.closest('[data-confirm]');
    if (target && !window.confirm(target.getAttribute('data-confirm'))) event.preventDefault();
  });

  // Keep unsent note/description text across reloads until the form is submitted.
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('textarea[data-draft-key]').forEach(function (area) {
      var key = 'draft:' + area.getAttribute('data-draft-key');
      if (!area.value && window.localStorage.getItem(key))
        area.value = window.localStorage.getItem(key);
      area.addEventListener('input', function () {
        window.localStorage.setItem(key, area.value);
      });
      if (area.form)
        area.form.addEventListener('submit', function () {
          window.localStorage.removeItem(key);
        });
    });
  });
})();
