// The live desk: one event stream per tab. Events carry a kind, a record id and a version only;
// whatever they change is fetched as HTML from the server, through the same permission checks as
// a page load. Without this file (or without JavaScript) every page still works by reloading.
(function () {
  'use strict';
  if (!window.EventSource || !window.fetch || !document.getElementById('notification-badge'))
    return;

  // Marks the script's own requests: they do not count as the user being active.
  var BACKGROUND = { 'X-Live': '1' };
  var csrfInput = document.querySelector('input[name="_csrf"]');
  var csrf = csrfInput ? csrfInput.value : '';
  var announcer;

  function announce(text) {
    if (!announcer) {
      announcer = document.createElement('div');
      announcer.className = 'sr-only';
      announcer.setAttribute('aria-live', 'polite');
      announcer.setAttribute('role', 'status');
      document.body.appendChild(announcer);
    }
    announcer.textContent = '';
    setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }

  function getHtml(url) {
    var request = { credentials: 'same-origin', cache: 'no-store', headers: BACKGROUND };
    return window.fetch(url, request).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.text();
    });
  }

  function elementFrom(html) {
    var template = document.createElement('template');
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function flash(el) {
    el.classList.remove('live-changed');
    void el.offsetWidth;
    el.classList.add('live-changed');
  }

  // One fetch per region at a time; events arriving meanwhile cause one more fetch afterwards.
  var busy = {};
  function coalesce(key, task) {
    if (busy[key]) {
      busy[key] = 'again';
      return;
    }
    busy[key] = 'running';
    setTimeout(function () {
      task()
        .catch(function () {})
        .then(function () {
          var again = busy[key] === 'again';
          busy[key] = null;
          if (again) coalesce(key, task);
        });
    }, 150);
  }

  // ------------------------------------------------------------------ badge
  function refreshBadge() {
    return getHtml('/notifications/badge').then(function (html) {
      var current = document.getElementById('notification-badge');
      var next = elementFrom(html);
      if (current && next) {
        var before = current.textContent.replace(/\s+/g, ' ');
        current.replaceWith(next);
        if (next.textContent.replace(/\s+/g, ' ') !== before) flash(next);
      }
    });
  }

  // ------------------------------------------------------------------ lists and counts
  function rowsOf(region) {
    var map = {};
    region.querySelectorAll('tr[data-id]').forEach(function (tr) {
      map[tr.getAttribute('data-id')] = tr;
    });
    return map;
  }

  // Swapping rows in is safe only while the reader is not in the middle of the list.
  function atRest(region) {
    var params = new URLSearchParams(window.location.search);
    var page = params.get('page');
    return (
      (!page || page === '1') &&
      !params.get('after') &&
      window.scrollY < 120 &&
      !region.contains(document.activeElement) &&
      !region.matches(':hover')
    );
  }

  function showNewButton(region, count, noun) {
    var bar = document.getElementById('live-new');
    if (!bar) {
      bar = document.createElement('p');
      bar.id = 'live-new';
      bar.className = 'live-new';
      bar.innerHTML = '<button type="button" class="secondary"></button>';
      bar.firstChild.addEventListener('click', function () {
        bar.remove();
        swapRegion(region.id, true);
      });
      region.parentNode.insertBefore(bar, region);
    }
    bar.firstChild.textContent = count + ' new · show';
    announce(
      count +
        ' new ' +
        noun +
        (count > 1 ? 's' : '') +
        '. Press "' +
        count +
        ' new · show" to see them.',
    );
  }

  function swapRegion(id, force) {
    return getHtml(window.location.href).then(function (html) {
      var region = document.getElementById(id);
      var next = new window.DOMParser().parseFromString(html, 'text/html').getElementById(id);
      if (!region || !next) return;
      var noun = region.getAttribute('data-live-noun') || 'item';
      if (!region.querySelector('tr[data-id]') && !next.querySelector('tr[data-id]')) {
        if (region.textContent.replace(/\s+/g, ' ') !== next.textContent.replace(/\s+/g, ' ')) {
          region.replaceWith(next);
          next.querySelectorAll('.stat-value').forEach(flash);
        }
        return;
      }
      var before = rowsOf(region);
      var after = rowsOf(next);
      var added = Object.keys(after).filter(function (key) {
        return !before[key];
      });
      var changed = Object.keys(after).filter(function (key) {
        return before[key] && before[key].innerHTML !== after[key].innerHTML;
      });
      if (force || atRest(region)) {
        var bar = document.getElementById('live-new');
        if (bar) bar.remove();
        region.replaceWith(next);
        added.concat(changed).forEach(function (key) {
          flash(after[key]);
        });
        if (added.length)
          announce(added.length + ' new ' + noun + (added.length > 1 ? 's' : '') + ' in the list.');
        else if (changed.length)
          announce(changed.length + ' ' + noun + (changed.length > 1 ? 's' : '') + ' updated.');
        return;
      }
      changed.forEach(function (key) {
        var row = document.importNode(after[key], true);
        before[key].replaceWith(row);
        flash(row);
      });
      if (added.length) showNewButton(region, added.length, noun);
    });
  }

  function updateRow(region, src, id) {
    var row = region.querySelector('tr[data-id="' + id + '"]');
    return getHtml(src.replace('{id}', id)).then(
      function (html) {
        var next = elementFrom('<table><tbody>' + html + '</tbody></table>');
        var tr = next && next.querySelector('tr');
        if (!tr || !row || row.innerHTML === tr.innerHTML) return;
        row.replaceWith(tr);
        flash(tr);
      },
      function () {
        if (row) row.classList.add('live-gone');
      },
    );
  }

  function onRecordEvent(type, action, id) {
    document.querySelectorAll('[data-live-on]').forEach(function (region) {
      if (region.getAttribute('data-live-on').split(' ').indexOf(type) < 0 || action === 'presence')
        return;
      var src = region.getAttribute('data-live-row');
      var onPage = region.querySelector('tr[data-id="' + id + '"]');
      // A row already shown is refreshed by itself (a note added to an interaction announces
      // "created" for the interaction); anything else may add or move rows: the region reloads.
      if (src && action !== 'bulk' && onPage && !region.id.startsWith('live-counts')) {
        coalesce('row:' + id, function () {
          return updateRow(region, src, id);
        });
      } else {
        coalesce('region:' + region.id, function () {
          return swapRegion(region.id, false);
        });
      }
    });
  }

  // ------------------------------------------------------------------ presence
  var presence = document.getElementById('presence');
  var tabId =
    window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : String(Math.random()).slice(2) + Date.now();
  var editing = false;

  function presenceKey() {
    return (
      presence.getAttribute('data-presence-type') + ':' + presence.getAttribute('data-presence-id')
    );
  }

  function report() {
    var body = new URLSearchParams({
      _csrf: csrf,
      tabId: tabId,
      editing: editing ? '1' : '0',
      recordType: presence.getAttribute('data-presence-type'),
      recordId: presence.getAttribute('data-presence-id'),
    });
    var request = { method: 'POST', credentials: 'same-origin', body: body, headers: BACKGROUND };
    return window.fetch('/presence', request).catch(function () {});
  }

  function refreshPresence() {
    var url =
      '/presence?type=' +
      encodeURIComponent(presence.getAttribute('data-presence-type')) +
      '&id=' +
      encodeURIComponent(presence.getAttribute('data-presence-id')) +
      '&version=' +
      encodeURIComponent(presence.getAttribute('data-presence-version'));
    return getHtml(url).then(function (html) {
      if (presence.innerHTML.trim() !== html.trim()) presence.innerHTML = html;
    });
  }

  if (presence) {
    report();
    refreshPresence();
    setInterval(report, 8000);
    setInterval(function () {
      coalesce('presence', refreshPresence);
    }, 10000);
    document.addEventListener('input', function (event) {
      var form = event.target.form;
      if (!form || form.getAttribute('action') === '/logout' || editing) return;
      editing = true;
      report();
    });
    document.addEventListener('submit', function () {
      editing = false;
    });
    window.addEventListener('pagehide', function () {
      window.navigator.sendBeacon(
        '/presence/leave',
        new URLSearchParams({ _csrf: csrf, tabId: tabId }),
      );
    });
  }

  // ------------------------------------------------------------------ the stream
  var stream = new window.EventSource('/events');
  stream.onmessage = function (message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    var parts = String(event.kind).split('.');
    if (parts[0] === 'notification') {
      coalesce('badge', refreshBadge);
      return;
    }
    if (presence && parts[0] + ':' + event.id === presenceKey())
      coalesce('presence', refreshPresence);
    onRecordEvent(parts[0], parts[1], event.id);
  };
  // The server has registered this tab's stream: every change committed from now on reaches it.
  stream.addEventListener('ready', function () {
    document.documentElement.setAttribute('data-live', 'ready');
  });
  // The stored window did not reach back far enough: bring everything shown up to date.
  stream.addEventListener('reset', function () {
    coalesce('badge', refreshBadge);
    document.querySelectorAll('[data-live-on][id]').forEach(function (region) {
      coalesce('region:' + region.id, function () {
        return swapRegion(region.id, false);
      });
    });
    if (presence) coalesce('presence', refreshPresence);
  });
})();
