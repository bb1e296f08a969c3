/* Sorting and the errors-only filter of the case-review table; no library. */
(function () {
  'use strict';
  var table = document.getElementById('videos');
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var box = document.getElementById('errors-only');
  var shown = document.getElementById('shown-count');
  var state = {key: null, dir: 1};

  function compare(a, b, key) {
    var x = a.getAttribute('data-' + key), y = b.getAttribute('data-' + key);
    var nx = parseFloat(x), ny = parseFloat(y);
    if (!isNaN(nx) && !isNaN(ny)) { return nx - ny; }
    return x.localeCompare(y);
  }

  function sortBy(key) {
    // first click: highest first (labels A-Z); a second click reverses
    var dir = state.key === key ? -state.dir : (key === 'label' ? 1 : -1);
    state = {key: key, dir: dir};
    rows.sort(function (a, b) {
      return dir * compare(a, b, key) || compare(a, b, 'index');
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.querySelectorAll('th'),
      function (th) {
        var button = th.querySelector('button[data-sort]');
        var on = button && button.getAttribute('data-sort') === key;
        th.setAttribute('aria-sort', on ? (dir > 0 ? 'ascending' : 'descending') : 'none');
      });
  }

  function filter() {
    var count = 0;
    rows.forEach(function (row) {
      row.hidden = box.checked && row.getAttribute('data-correct') === '1';
      if (!row.hidden) { count += 1; }
    });
    shown.textContent = String(count);
  }

  Array.prototype.forEach.call(document.querySelectorAll('button[data-sort]'),
    function (button) {
      button.addEventListener('click', function () {
        sortBy(button.getAttribute('data-sort'));
      });
    });
  box.addEventListener('change', filter);
  filter();
}());
