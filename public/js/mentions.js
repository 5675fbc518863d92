// Typing "@" in a note offers colleagues' names (from the page's <datalist data-mention-names>).
// Without this file, typing "@" and the full name works the same: the server reads the text.
(function () {
  'use strict';

  var MAX = 8;

  function namesFor(area) {
    var list = document.getElementById(area.getAttribute('data-mentions'));
    if (!list) return [];
    return Array.prototype.map.call(list.options, function (o) {
      return o.value;
    });
  }

  /** The "@partial" just before the caret, if the caret is in one. */
  function queryAt(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = /(^|[^\w@])@([^\s@]*(?: [^\s@]*)?)$/.exec(before);
    return match ? { text: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function setup(area) {
    var box = document.createElement('ul');
    box.className = 'mention-list';
    box.id = area.id + '-mentions';
    box.setAttribute('role', 'listbox');
    box.setAttribute('aria-label', 'Colleagues to mention');
    box.hidden = true;
    area.insertAdjacentElement('afterend', box);
    area.setAttribute('aria-autocomplete', 'list');
    area.setAttribute('aria-controls', box.id);
    var active = -1;
    var query = null;

    function close() {
      box.hidden = true;
      box.textContent = '';
      active = -1;
      area.removeAttribute('aria-activedescendant');
    }

    function highlight(index) {
      var items = box.querySelectorAll('li');
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (li, i) {
        li.setAttribute('aria-selected', i === active ? 'true' : 'false');
      });
      area.setAttribute('aria-activedescendant', items[active].id);
    }

    function pick(name) {
      var end = area.selectionStart;
      var text = '@' + name + ' ';
      area.value = area.value.slice(0, query.start) + text + area.value.slice(end);
      var caret = query.start + text.length;
      area.setSelectionRange(caret, caret);
      area.dispatchEvent(new window.Event('input'));
      close();
      area.focus();
    }

    function refresh() {
      query = queryAt(area);
      if (!query) return close();
      var wanted = query.text.toLowerCase();
      var matches = namesFor(area)
        .filter(function (name) {
          return (
            name.toLowerCase().indexOf(wanted) === 0 || name.toLowerCase().indexOf(' ' + wanted) > 0
          );
        })
        .slice(0, MAX);
      if (!matches.length || (matches.length === 1 && matches[0] === query.text)) return close();
      box.textContent = '';
      matches.forEach(function (name, i) {
        var li = document.createElement('li');
        li.id = box.id + '-' + i;
        li.setAttribute('role', 'option');
        li.textContent = name;
        li.addEventListener('mousedown', function (event) {
          event.preventDefault();
          pick(name);
        });
        box.appendChild(li);
      });
      box.hidden = false;
      highlight(0);
    }

    area.addEventListener('input', function (event) {
      if (event.isTrusted !== false) refresh();
    });
    area.addEventListener('blur', close);
    area.addEventListener('keydown', function (event) {
      if (box.hidden) return;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        highlight(active + (event.key === 'ArrowDown' ? 1 : -1));
      } else if (event.key === 'Enter' || event.key === 'Tab') {
        var item = box.querySelectorAll('li')[active];
        if (!item) return;
        event.preventDefault();
        pick(item.textContent);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    });
  }

  document.querySelectorAll('textarea[data-mentions]').forEach(setup);
})();
