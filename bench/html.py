"""The leaderboard as one self-contained HTML page.

Everything is inline: the CSS, the sorting script and the chart (an ``<svg>`` element whose
text is drawn as paths). A Content-Security-Policy ``<meta>`` forbids every external fetch,
so the page is the same offline, from a ``file://`` URL or attached to a CI run. Every model,
task, protocol and note text is HTML-escaped.

Sorting: a click (or Enter) on a sortable header sorts the table body by that column; the first
click puts the best first (descending, ascending for lower-is-better metrics and for names),
a second click reverses. Missing values sort last either way. The header's ``aria-sort``
attribute says the current order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from harmonybench.degradation import Degradation
from harmonybench.leaderboard import MODALITY_LABELS, Column, Leaderboard
from harmonybench.paper import PaperComparison
from harmonybench.scales import show_value

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
p.meta, p.help { color: #555; margin: 4px 0 10px; max-width: 70em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 8px; white-space: nowrap; }
thead th { background: #f6f7f9; font-weight: 600; text-align: center; vertical-align: bottom; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tbody tr:hover td { background: #fff8d6; }
td.num { text-align: right; }
td.name { font-weight: 600; }
th.g-text, td.g-text.avg { background: var(--text-out); }
th.g-image, td.g-image.avg { background: var(--image-out); }
th.sortable { cursor: pointer; user-select: none; }
th.sortable:hover { background: #e9ecf1; }
th.sortable::after { content: " \\2195"; color: #9aa3b2; font-size: 11px; }
th[aria-sort="ascending"]::after { content: " \\25B2"; color: var(--ink); }
th[aria-sort="descending"]::after { content: " \\25BC"; color: var(--ink); }
th .scale { display: block; font-weight: 400; font-size: 11px; color: #667; }
th.main, td.main { font-weight: 700; }
td.avg { font-weight: 700; }
td.failed { color: #8a8f99; }
td.worse { color: #b42318; }
td.better { color: #067647; }
ul.notes { color: #444; }
.chart svg { max-width: 100%; height: auto; }
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


Cell = tuple[str, "float | str", str]
"""A table cell: shown text, sort value (a number or a string) and CSS classes."""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


@dataclass(frozen=True)
class _Header:
    """A sortable leaf header."""

    label: str
    numeric: bool
    lower: bool = False
    classes: str = ""
    title: str = ""

    def html(self, col: int) -> str:
        classes = " ".join(c for c in ("sortable", "num" if self.numeric else "", self.classes)
                           if c)
        lower = ' data-lower="1"' if self.lower else ""
        title = f' title="{_e(self.title)}"' if self.title else ""
        return (f'<th class="{classes}" data-col="{col}"{lower}{title} tabindex="0">'
                f"{self.label}</th>")


def _leaf_label(column: Column) -> str:
    if column.kind == "average":
        head = "main<br>metrics"
    elif column.kind == "failed":
        head = "failed"
    else:
        head = f"{_e(column.protocol)}<br>{_e(column.metric)}"
    return f'{head}<span class="scale">{_e(column.scale.label)}</span>'


def leaderboard_table(board: Leaderboard) -> str:
    """The main table: group headers per modality and task, one sortable leaf per column."""
    with_roles = any(m.role for m in board.models)
    fixed = 2 if with_roles else 1
    groups, tasks, leaves = [], [], []
    leaves.append(_Header("model", False).html(0))
    if with_roles:
        leaves.append(_Header("role", False).html(1))
    groups.append(f'<th colspan="{fixed}" rowspan="2"></th>')
    for modality in board.modalities():
        columns = [c for c in board.columns if c.modality == modality]
        groups.append(f'<th class="g-{modality}" colspan="{len(columns)}">'
                      f"{_e(MODALITY_LABELS[modality])}</th>")
        runs: list[tuple[str, int]] = []
        for column in columns:
            if runs and runs[-1][0] == column.task:
                runs[-1] = (column.task, runs[-1][1] + 1)
            else:
                runs.append((column.task, 1))
        tasks += [f'<th class="g-{modality}" colspan="{n}">{_e(task)}</th>'
                  for task, n in runs]
    for i, column in enumerate(board.columns):
        classes = f"g-{column.modality}" + (" main" if column.main else "")
        title = f"{column.title}; {'lower' if column.lower_is_better else 'higher'} is better"
        leaves.append(_Header(_leaf_label(column), True, column.lower_is_better, classes,
                              title).html(fixed + i))
    body = []
    for model in board.models:
        cells = [f'<td class="name" data-v="{_e(model.name)}">{_e(model.name)}</td>']
        if with_roles:
            cells.append(f'<td data-v="{_e(model.role or "")}">{_e(model.role or "")}</td>')
        for column in board.columns:
            value = board.value(model.name, column)
            names = ["num", f"g-{column.modality}"]
            names += {"average": ["avg"], "failed": ["failed"]}.get(column.kind, [])
            if column.main:
                names.append("main")
            cells.append(f'<td class="{" ".join(names)}" data-v="{_num(value)}">'
                         f"{_e(column.scale.show(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ('<div class="scroll"><table id="leaderboard" class="sortable-table">'
            f'<thead><tr>{"".join(groups)}</tr><tr>{"".join(tasks)}</tr>'
            f'<tr>{"".join(leaves)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _simple_table(table_id: str, headers: Sequence[_Header],
                  rows: Sequence[Sequence[Cell]]) -> str:
    """A sortable table; each cell is ``(shown text, sort value, classes)``."""
    head = "".join(h.html(i) for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for shown, sort, classes in row:
            key = _num(sort) if isinstance(sort, float) else str(sort)
            cells.append(f'<td class="{_e(classes)}" data-v="{_e(key)}">{_e(shown)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table id="{_e(table_id)}" class="sortable-table">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _fmt(value: float, digits: int = 2, sign: bool = False) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def degradation_section(result: Degradation, chart_svg: str | None) -> str:
    """The degradation table, the per-modality means and the chart."""
    headers = [_Header("model", False), _Header("modality", False), _Header("task", False),
               _Header("protocol · metric", False), _Header("reference", False),
               _Header("value", True), _Header("reference value", True),
               _Header("delta", True), _Header("degradation %", True, lower=True),
               _Header("note", False)]
    rows: list[list[Cell]] = []
    for r in result.rows:
        trend = "" if math.isnan(r.degradation) else ("worse" if r.degradation > 0 else "better")
        rows.append([
            (r.model, r.model, "name"), (f"{r.modality}-out", r.modality, ""),
            (r.task, r.task, ""), (f"{r.protocol} · {r.metric} ({r.scale})", r.protocol, ""),
            (r.reference or "–", r.reference or "", ""),
            (show_value(r.value, r.scale), r.value, "num"),
            (show_value(r.reference_value, r.scale), r.reference_value, "num"),
            (show_value(r.delta, r.scale, sign=True), r.delta, "num"),
            (_fmt(r.degradation, sign=True), r.degradation, f"num {trend}"),
            (r.note, r.note, ""),
        ])
    means: list[list[Cell]] = [[(m.model, m.model, "name"), (f"{m.modality}-out", m.modality, ""),
              (_fmt(m.mean, sign=True), m.mean,
               "num " + ("worse" if m.mean > 0 else "better")),
              (", ".join(m.tasks), ", ".join(m.tasks), "")] for m in result.means]
    parts = [
        '<section id="degradation-section"><h2>Degradation of unified models</h2>',
        '<p class="help">degradation % = 100 &times; (reference &minus; value) / |reference| '
        "(reversed for lower-is-better metrics such as FID): positive means the unified model "
        "is worse than its reference, the best specialist of the task's output modality unless "
        "the spec names one.</p>",
        _simple_table("degradation", headers, rows),
        "<h3>Mean degradation per output modality</h3>",
        _simple_table("degradation-means",
                      [_Header("model", False), _Header("modality", False),
                       _Header("mean degradation %", True, lower=True),
                       _Header("over tasks", False)], means),
    ]
    if chart_svg:
        parts.append(f'<div class="chart" id="degradation-chart">{chart_svg}</div>')
    parts.append("</section>")
    return "".join(parts)


def paper_section(comparison: PaperComparison) -> str:
    """Measured beside published, the numbers not compared and why, unlinked models."""
    headers = [_Header("model", False), _Header("published as", False), _Header("paper", False),
               _Header("task", False), _Header("protocol · metric", False),
               _Header("measured", True), _Header("published", True), _Header("delta", True),
               _Header("source", False)]
    rows: list[list[Cell]] = [
        [(r.model, r.model, "name"), (r.published_model, r.published_model, ""),
         (r.paper, r.paper, ""),
         (f"{r.task}{'/' + r.subset if r.subset else ''}", r.task, ""),
         (f"{r.protocol} · {r.metric} ({r.scale})", r.protocol, ""),
         (show_value(r.measured, r.scale), r.measured, "num"),
         (show_value(r.published, r.scale), r.published, "num"),
         (show_value(r.delta, r.scale, sign=True), r.delta, "num"), (r.source, r.source, "")]
        for r in comparison.rows]
    skipped: list[list[Cell]] = [
        [(n.model, n.model, "name"), (n.paper, n.paper, ""),
         (f"{n.task}{'/' + n.subset if n.subset else ''}", n.task, ""),
         (f"{n.protocol} · {n.metric}", n.protocol, ""), (n.reason, n.reason, "")]
        for n in comparison.not_compared]
    parts = ['<section id="paper-section"><h2>Published numbers beside measured ones</h2>',
             '<p class="help">Only numbers of the same task, subset, protocol and metric are '
             "compared; delta = measured &minus; published, in the column's units.</p>",
             _simple_table("paper", headers, rows)]
    if skipped:
        parts += ["<h3>Published numbers not compared</h3>",
                  _simple_table("paper-skipped",
                                [_Header("model", False), _Header("paper", False),
                                 _Header("task", False), _Header("protocol · metric", False),
                                 _Header("why", False)], skipped)]
    if comparison.unlinked:
        parts.append('<p class="help">No published numbers for: '
                     f"{_e(', '.join(comparison.unlinked))} (link a model with "
                     "<code>published:</code> in the spec).</p>")
    parts.append("</section>")
    return "".join(parts)


def render_page(board: Leaderboard, *, title: str = "harmonybench leaderboard",
                degradation: Degradation | None = None, chart_svg: str | None = None,
                paper: PaperComparison | None = None) -> str:
    """The whole page as one string."""
    averages = "; ".join(f"{m}-out average over {', '.join(t) or 'no task in common'}"
                         for m, t in board.average_tasks.items())
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{len(board.models)} model(s). Values in % are fractions of samples '
        "&times; 100; counts as they are; FID: lower is better. <b>Bold</b>: each task's "
        "default-protocol main metric. <i>failed</i>: samples without a score (errors, "
        "unsupported requests, not run). A dash: not run or nothing scored. Click a header "
        "to sort.</p>",
        '<section id="leaderboard-section"><h2>Leaderboard</h2>', leaderboard_table(board),
        f'<p class="help">{_e(averages)}.</p>' if averages else "",
    ]
    if board.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in board.notes)
                     + "</ul>")
    parts.append("</section>")
    if degradation is not None and degradation.rows:
        parts.append(degradation_section(degradation, chart_svg))
    elif chart_svg:
        parts.append(f'<section><h2>Averages</h2><div class="chart">{chart_svg}</div>'
                     "</section>")
    if paper is not None:
        parts.append(paper_section(paper))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"
