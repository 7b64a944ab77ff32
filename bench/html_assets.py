"""The leaderboard page's inline assets: its Content-Security-Policy, stylesheet and script.

Sorting (the script): a click (or Enter) on a sortable header sorts the table body by that
column; the first click puts the best first (descending, ascending for lower-is-better metrics
and for names), a second click reverses. Missing values sort last either way. The header's
``aria-sort`` attribute says the current order.

The stylesheet keeps the headline and degradation tables within a 1400-pixel window: headers
and text cells wrap, numbers do not.
"""

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")

STYLE = """
:root { --text-out: #e8f0fb; --image-out: #fdf0e6; --line: #d0d5dd; --ink: #1d2433; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
h4 { font-size: 13px; margin: 0 0 4px; }
p.meta, p.help { color: #555; margin: 4px 0 10px; max-width: 80em; }
ul.systems { max-width: 80em; padding-left: 20px; margin: 6px 0; }
ul.systems li { margin: 3px 0; }
ul.systems .role { color: #555; font-size: 12px; border: 1px solid var(--line);
                   border-radius: 3px; padding: 0 4px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 6px; }
th { white-space: normal; }
td { white-space: nowrap; }
td.text { white-space: normal; min-width: 6em; max-width: 22em; }
thead th { background: #f6f7f9; font-weight: 600; text-align: center; vertical-align: bottom; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tbody tr:hover td { background: #fff8d6; }
td.num { text-align: right; }
td.name { font-weight: 600; white-space: normal; min-width: 8em; max-width: 15em; }
th.g-text, td.g-text.avg { background: var(--text-out); }
th.g-image, td.g-image.avg { background: var(--image-out); }
th.sortable { cursor: pointer; user-select: none; }
th.sortable:hover { background: #e9ecf1; }
th.sortable::after { content: " \\2195"; color: #9aa3b2; font-size: 11px; }
th[aria-sort="ascending"]::after { content: " \\25B2"; color: var(--ink); }
th[aria-sort="descending"]::after { content: " \\25BC"; color: var(--ink); }
th .scale { display: block; font-weight: 400; font-size: 11px; color: #667; }
td.avg, td.headline-value { font-weight: 700; }
td.coverage, td.other-frame, td.samples { color: #6b7280; }
td.worse { color: #b42318; }
td.better { color: #067647; }
ul.notes { color: #444; max-width: 80em; }
.chart svg { max-width: 100%; height: auto; }
details > summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
.details-grid { display: flex; flex-wrap: wrap; gap: 14px 18px; align-items: flex-start; }
.details-table th { max-width: 10em; }
.details-table td.label { white-space: normal; max-width: 18em; }
"""

SCRIPT = """
(function () {
  "use strict";
  function key(cell, numeric) {
    var raw = cell ? cell.getAttribute("data-v") : null;
    if (raw === null) { raw = cell ? cell.textContent : ""; }
    if (!numeric) { return raw; }
    var value = raw === "" ? NaN : parseFloat(raw);
    return value;
  }
  function sortBy(table, th) {
    var col = parseInt(th.getAttribute("data-col"), 10);
    var numeric = th.classList.contains("num");
    var lower = th.getAttribute("data-lower") === "1";
    var now = th.getAttribute("aria-sort");
    var dir;
    if (now === "descending") { dir = "ascending"; }
    else if (now === "ascending") { dir = "descending"; }
    else { dir = numeric && !lower ? "descending" : "ascending"; }
    var headers = table.querySelectorAll("th.sortable");
    for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
      if (numeric) {
        var nx = isNaN(x), ny = isNaN(y);
        if (nx || ny) { return nx === ny ? 0 : (nx ? 1 : -1); }
        return sign * (x - y);
      }
      return sign * String(x).localeCompare(String(y));
    });
    for (var j = 0; j < rows.length; j++) { body.appendChild(rows[j]); }
  }
  var tables = document.querySelectorAll("table.sortable-table");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var headers = table.querySelectorAll("th.sortable");
      for (var h = 0; h < headers.length; h++) {
        (function (th) {
          th.addEventListener("click", function () { sortBy(table, th); });
          th.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              sortBy(table, th);
            }
          });
        })(headers[h]);
      }
    })(tables[t]);
  }
})();
"""
