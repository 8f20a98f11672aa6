// Injected by check-report-render.sh into a copy of a report before Chromium dumps its DOM:
// measures the laid-out page and leaves what it found in <pre id="layout-check">, one line
// per problem ("wide: …" lines are tables that scroll sideways in their box, which is allowed).
(function () {
  var out = [], root = document.documentElement, width = root.clientWidth;
  if (root.scrollWidth > width + 1) out.push('page is ' + root.scrollWidth + ' px wide in a ' + width + ' px window');
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(function (text) {
      var r = text.getBoundingClientRect();
      if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)) {
        out.push('text "' + text.textContent.slice(0, 50) + '" is cut off at the edge of chart "' + svg.getAttribute('aria-label') + '"');
      }
    });
  });
  document.querySelectorAll('table').forEach(function (table) {
    var holder = table.closest('.wide'), name = table.id || (table.rows[0] ? table.rows[0].textContent.trim().slice(0, 40) : 'table');
    var right = table.getBoundingClientRect().right, limit = (holder || document.body).getBoundingClientRect().right;
    if (right > limit + 1) out.push((holder ? 'wide: ' : '') + 'table "' + name + '" is ' + Math.round(right - limit) + ' px wider than ' + (holder ? 'its box' : 'the page'));
  });
  var pre = document.createElement('pre');
  pre.id = 'layout-check';
  pre.setAttribute('data-width', String(width));
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
