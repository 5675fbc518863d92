// Command palette: Ctrl+K / Cmd+K or the "Go to…" button. An ARIA combobox over a listbox of
// results from /go (filtered on the server by what the viewer may open), plus the actions the
// current page offers (its elements with data-key, which the server rendered for this viewer).
// Without JavaScript, "Go to…" is an ordinary link to the /go search page.
(function () {
  'use strict';

  var dialog,
    input,
    list,
    status,
    results = [],
    active = -1,
    timer = null,
    requestId = 0,
    opener = null;
  var lastSearch = Promise.resolve();

  function pageActions(text) {
    var q = text.toLowerCase();
    return Array.prototype.filter
      .call(document.querySelectorAll('main [data-key]'), function (el) {
        return !q || label(el).toLowerCase().indexOf(q) !== -1;
      })
      .map(function (el) {
        var detail = 'Action on this page (' + el.getAttribute('data-key') + ')';
        return { kind: 'action', label: label(el), detail: detail, element: el };
      });
  }
  function label(el) {
    return el.getAttribute('data-key-label') || el.textContent.trim();
  }

  function build() {
    dialog = document.createElement('dialog');
    dialog.className = 'palette';
    dialog.setAttribute('aria-label', 'Go to');
    var field = document.createElement('label');
    field.className = 'sr-only';
    field.setAttribute('for', 'palette-input');
    field.textContent =
      'Go to a page, ticket number, consultation reference or patient, or run an action';
    input = document.createElement('input');
    input.id = 'palette-input';
    input.type = 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.placeholder = 'Page, TKT-…, CNS-…, patient name, email or phone';
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', 'palette-results');
    input.setAttribute('aria-autocomplete', 'list');
    list = document.createElement('ul');
    list.id = 'palette-results';
    list.className = 'palette-results';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Results');
    status = document.createElement('p');
    status.className = 'palette-status';
    status.setAttribute('role', 'status');
    dialog.appendChild(field);
    dialog.appendChild(input);
    dialog.appendChild(list);
    dialog.appendChild(status);
    document.body.appendChild(dialog);

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, 120);
    });
    input.addEventListener('keydown', onKey);
    list.addEventListener('mousedown', function (event) {
      event.preventDefault();
    });
    list.addEventListener('click', function (event) {
      var item = event.target.closest('[role="option"]');
      if (item) choose(Number(item.getAttribute('data-index')));
    });
    dialog.addEventListener('close', function () {
      if (opener && opener.focus) opener.focus();
    });
  }

  function render() {
    list.textContent = '';
    results.forEach(function (r, index) {
      var li = document.createElement('li');
      li.id = 'palette-option-' + index;
      li.setAttribute('role', 'option');
      li.setAttribute('data-index', String(index));
      li.setAttribute('aria-selected', index === active ? 'true' : 'false');
      var name = document.createElement('span');
      name.textContent = r.label;
      var kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = r.detail;
      li.appendChild(name);
      li.appendChild(kind);
      list.appendChild(li);
    });
    input.setAttribute('aria-expanded', results.length ? 'true' : 'false');
    if (active >= 0 && results[active]) {
      input.setAttribute('aria-activedescendant', 'palette-option-' + active);
      var current = document.getElementById('palette-option-' + active);
      if (current) current.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
    var count = results.length + (results.length === 1 ? ' result' : ' results');
    status.textContent = results.length ? count : 'No matches you may open.';
  }

  function search() {
    var text = input.value.trim();
    var mine = ++requestId;
    timer = null;
    var url = '/go?q=' + encodeURIComponent(text);
    lastSearch = window
      .fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.json() : { results: [] };
      })
      .then(function (body) {
        if (mine !== requestId) return;
        results = pageActions(text).concat(body.results || []);
        active = results.length ? 0 : -1;
        render();
      })
      .catch(function () {
        if (mine !== requestId) return;
        results = pageActions(text);
        active = results.length ? 0 : -1;
        render();
        status.textContent = "Could not reach the server; showing this page's actions only.";
      });
  }

  function choose(index) {
    var r = results[index];
    if (!r) return;
    dialog.close();
    if (r.element) {
      opener = null;
      var tag = r.element.tagName.toLowerCase();
      if (tag === 'textarea' || tag === 'input' || tag === 'select') r.element.focus();
      else r.element.click();
    } else {
      window.location.href = r.href;
    }
  }

  function onKey(event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!results.length) return;
      var step = event.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + results.length) % results.length;
      render();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      // What was typed last may still be on its way: open the first result once it has arrived.
      if (timer) {
        clearTimeout(timer);
        timer = null;
        search();
      }
      lastSearch.then(function () {
        choose(active);
      });
    }
  }

  function open(event) {
    if (event) event.preventDefault();
    if (!dialog) build();
    if (dialog.open) return;
    opener = document.activeElement;
    input.value = '';
    results = [];
    active = -1;
    dialog.showModal();
    input.focus();
    search();
  }

  document.addEventListener('keydown', function (event) {
    if (
      (event.ctrlKey || event.metaKey) &&
      !event.altKey &&
      (event.key === 'k' || event.key === 'K')
    )
      open(event);
  });
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-palette-open]');
    if (button) open(event);
  });
})();
