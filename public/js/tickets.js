// Progressive enhancement for ticket pages: every form here also works without this file.
(function () {
  'use strict';

  // "All on this page": ticks or clears every row checkbox named by data-select-all.
  document.addEventListener('change', function (event) {
    var all = event.target.closest && event.target.closest('[data-select-all]');
    if (all) {
      var name = all.getAttribute('data-select-all');
      all.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
})();
