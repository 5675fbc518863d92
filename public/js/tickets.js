// Progressive enhancement for ticket pages: every form here also works without this file.
(function () {
  'use strict';

  // "All on this page": ticks or clears every row checkbox named by data-select-all.
  document.addEventListener('change', function (event) {
    var all = event.target.closest && event.target.closest('[data-select-all]');
    if (all) {
      var name = all.getAttribute('data-select-all');
      all.form
        .querySelectorAll('input[type="checkbox"][name="' + name + '"]')
        .forEach(function (box) {
          box.checked = all.checked;
        });
    }
  });

  // A saved reply picked from the list goes into the text as its ;shortcut (expanded when saved),
  // so the list itself is not sent again.
  document.addEventListener('change', function (event) {
    var select = event.target.closest && event.target.closest('select[data-insert-shortcut]');
    if (!select || !select.value) return;
    var option = select.options[select.selectedIndex];
    var area = document.getElementById(select.getAttribute('data-insert-shortcut'));
    if (!area) return;
    var shortcut = option.getAttribute('data-shortcut') + ' ';
    var at = typeof area.selectionStart === 'number' ? area.selectionStart : area.value.length;
    var before = area.value.slice(0, at);
    var glue = before && !/\s$/.test(before) ? ' ' : '';
    area.value = before + glue + shortcut + area.value.slice(at);
    area.dispatchEvent(new window.Event('input'));
    area.focus();
    select.value = '';
  });
})();
