// The keyboard and small-screen layer. Progressive enhancement only: every page works without it.
//  - menu button for the navigation on small screens
//  - stacked-card labels for list tables (table.cards)
//  - relative times kept fresh (<time data-relative>)
//  - shortcuts: ? dialog, g + letter, /, j / k / Enter / x on lists, record keys (data-key="c") on records
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function typingIn(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
  }
  window.careDeskTyping = typingIn;

  // ---- Menu button ----
  function setUpMenu() {
    var button = document.querySelector('.menu-button');
    var bar = document.querySelector('.topbar');
    if (!button || !bar) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      var open = bar.classList.toggle('menu-open');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }

  // ---- Card labels: each cell is preceded by its column's name when rows stack ----
  function labelCards() {
    document.querySelectorAll('table.cards').forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll('tbody tr').forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (heads[index] && !cell.hasAttribute('data-label'))
            cell.setAttribute('data-label', heads[index]);
        });
      });
    });
  }

  // ---- Relative times: same wording as the server (src/lib/time.ts) ----
  function relative(ms) {
    var seconds = Math.round((Date.now() - ms) / 1000),
      size = Math.abs(seconds);
    if (size < 60) return 'just now';
    var unit =
      size < 3600
        ? [60, 'min']
        : size < 86400
          ? [3600, 'h']
          : size < 30 * 86400
            ? [86400, 'd']
            : null;
    if (!unit) return null;
    var amount = Math.round(size / unit[0]);
    return seconds >= 0 ? amount + ' ' + unit[1] + ' ago' : 'in ' + amount + ' ' + unit[1];
  }
  function refreshTimes() {
    document.querySelectorAll('time[data-relative]').forEach(function (el) {
      var text = relative(Date.parse(el.getAttribute('datetime')));
      if (text && el.textContent !== text) el.textContent = text;
    });
  }

  // ---- List cursor ----
  var cursor = -1;
  function rows() {
    var table = document.querySelector('main table.cards');
    return table ? Array.prototype.slice.call(table.querySelectorAll('tbody tr')) : [];
  }
  function moveCursor(step) {
    var list = rows();
    if (!list.length) return false;
    if (list[cursor]) list[cursor].classList.remove('is-cursor');
    cursor = Math.max(0, Math.min(list.length - 1, cursor + step));
    var row = list[cursor];
    row.classList.add('is-cursor');
    var link = row.querySelector('a[href]');
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
    return true;
  }
  function openCursor() {
    var row = rows()[cursor];
    var link = row && row.querySelector('a[href]');
    if (!link) return false;
    window.location.href = link.getAttribute('href');
    return true;
  }
  function selectCursor() {
    var row = rows()[cursor];
    var box = row && row.querySelector('input[type="checkbox"]');
    if (!box) return false;
    box.click();
    row.classList.toggle('is-selected', box.checked);
    return true;
  }

  // ---- Record keys: <button data-key="c">, <a data-key="e">, <textarea data-key="n"> ----
  function runRecordKey(key) {
    var target = document.querySelector('main [data-key="' + key + '"]');
    if (!target) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === 'textarea' || tag === 'input' || tag === 'select') {
      target.scrollIntoView({ block: 'center' });
      target.focus();
    } else {
      target.click();
    }
    return true;
  }

  // ---- The ? dialog: built from what this page really offers ----
  var dialog = null;
  function shortcutRows() {
    var list = [
      ['?', 'Show this list'],
      ['Ctrl K / ⌘ K', 'Go to a page, ticket, consultation or patient'],
    ];
    if (document.querySelector('input[type="search"], input[name="q"]'))
      list.push(['/', 'Focus the search field']);
    document.querySelectorAll('[data-shortcut]').forEach(function (a) {
      list.push(['g ' + a.getAttribute('data-shortcut'), 'Go to ' + a.textContent.trim()]);
    });
    if (rows().length) {
      list.push(['j / k', 'Next / previous row'], ['Enter', 'Open the row']);
      if (document.querySelector('main table.cards input[type="checkbox"]'))
        list.push(['x', 'Select the row']);
    }
    document.querySelectorAll('main [data-key]').forEach(function (el) {
      list.push([
        el.getAttribute('data-key'),
        el.getAttribute('data-key-label') || el.textContent.trim(),
      ]);
    });
    list.push(['Esc', 'Close a dialog']);
    return list;
  }
  function openHelp() {
    if (!dialog) {
      dialog = document.createElement('dialog');
      dialog.className = 'shortcuts';
      dialog.setAttribute('aria-labelledby', 'shortcuts-title');
      document.body.appendChild(dialog);
    }
    dialog.textContent = '';
    var head = document.createElement('div');
    head.className = 'dialog-head';
    var title = document.createElement('h2');
    title.id = 'shortcuts-title';
    title.textContent = 'Keyboard shortcuts';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    close.addEventListener('click', function () {
      dialog.close();
    });
    head.appendChild(title);
    head.appendChild(close);
    var note = document.createElement('p');
    note.className = 'muted';
    note.textContent = 'Shortcuts do nothing while you type in a field.';
    var dl = document.createElement('dl');
    dl.className = 'shortcut-list';
    shortcutRows().forEach(function (pair) {
      var dt = document.createElement('dt');
      pair[0].split(' / ').forEach(function (keys, i) {
        if (i) dt.appendChild(document.createTextNode(' / '));
        var kbd = document.createElement('kbd');
        kbd.textContent = keys;
        dt.appendChild(kbd);
      });
      var dd = document.createElement('dd');
      dd.textContent = pair[1];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    dialog.appendChild(head);
    dialog.appendChild(note);
    dialog.appendChild(dl);
    dialog.showModal();
    close.focus();
  }

  var pendingG = false;
  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || typingIn(event.target)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector('dialog[open]')) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      var link = document.querySelector('[data-shortcut="' + key + '"]');
      if (link) {
        event.preventDefault();
        window.location.href = link.getAttribute('href');
      }
      return;
    }
    var handled = false;
    if (key === '?') {
      openHelp();
      handled = true;
    } else if (key === '/') {
      var search = document.querySelector('input[type="search"], input[name="q"]');
      if (search) {
        search.focus();
        handled = true;
      }
    } else if (key === 'g') {
      pendingG = true;
      setTimeout(function () {
        pendingG = false;
      }, 1200);
      handled = true;
    } else if (key === 'j') handled = moveCursor(1);
    else if (key === 'k') handled = moveCursor(-1);
    else if (key === 'x') handled = selectCursor();
    else if (key === 'Enter' && cursor >= 0 && event.target === document.body)
      handled = openCursor();
    else if (key.length === 1) handled = runRecordKey(key);
    if (handled) event.preventDefault();
  });

  document.addEventListener('DOMContentLoaded', function () {
    setUpMenu();
    labelCards();
    refreshTimes();
    setInterval(refreshTimes, 30000);
  });
})();
