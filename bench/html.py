"""The leaderboard as one self-contained HTML page.

Everything is inline (:mod:`harmonybench.html_assets`): the CSS, the sorting script and the
chart (an ``<svg>`` element whose text is drawn as paths). A Content-Security-Policy ``<meta>``
forbids every external fetch, so the page is the same offline, from a ``file://`` URL or
attached to a CI run. Every model, task, protocol and note text is HTML-escaped.

The page reads top to bottom: the headline table (one column per task, coverage averages; see
:mod:`harmonybench.headline`), the degradation of unified models with its chart, published
numbers, then the details (every protocol, metric and count, collapsed). The headline and
degradation tables fit a 1400-pixel window without horizontal scrolling.
"""

from __future__ import annotations

import math

from harmonybench.degradation import Degradation
from harmonybench.html_assets import CSP, SCRIPT, STYLE
from harmonybench.html_tables import (
    HEADLINE_HELP,
    Cell,
    Header,
    details_section,
    esc,
    headline_table,
    simple_table,
)
from harmonybench.leaderboard import Leaderboard
from harmonybench.paper import PaperComparison
from harmonybench.scales import show_value
from harmonybench.systems import systems_html


def _fmt(value: float, digits: int = 1, sign: bool = False) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _trend(degradation: float) -> str:
    """``worse`` for a positive degradation, ``better`` for a negative one, else nothing."""
    if math.isnan(degradation) or degradation == 0:
        return ""
    return "worse" if degradation > 0 else "better"


def degradation_section(result: Degradation, chart_svg: str | None) -> str:
    """The degradation table (degradation % first after the task), the per-modality means and
    the chart."""
    headers = [Header("model", False), Header("modality", False), Header("task", False),
               Header("degradation %", True, lower=True), Header("value", True),
               Header("reference value", True), Header("delta", True),
               Header("reference", False), Header("protocol · metric", False)]
    notes = any(r.note for r in result.rows)
    if notes:
        headers.append(Header("note", False))
    rows: list[list[Cell]] = []
    for r in result.rows:
        trend = _trend(r.degradation)
        rows.append([
            (r.model, r.model, "name"), (f"{r.modality}-out", r.modality, ""),
            (r.task, r.task, ""),
            (_fmt(r.degradation, sign=True), r.degradation, f"num {trend}"),
            (show_value(r.value, r.scale), r.value, "num"),
            (show_value(r.reference_value, r.scale), r.reference_value, "num"),
            (show_value(r.delta, r.scale, sign=True), r.delta, "num"),
            (r.reference or "–", r.reference or "", "text"),
            (f"{r.protocol} · {r.metric} ({r.scale})", r.protocol, "text"),
            *([(r.note, r.note, "text")] if notes else []),
        ])
    means: list[list[Cell]] = [[(m.model, m.model, "name"), (f"{m.modality}-out", m.modality, ""),
              (_fmt(m.mean, sign=True), m.mean, f"num {_trend(m.mean)}"),
              (", ".join(m.tasks), ", ".join(m.tasks), "text")] for m in result.means]
    parts = [
        '<section id="degradation-section"><h2>Degradation of unified models</h2>',
        '<p class="help">degradation % = 100 &times; (reference &minus; value) / |reference| '
        "(reversed for lower-is-better metrics such as FID): positive means the unified model "
        "is worse than its reference, the best specialist of the task's output modality unless "
        "the spec names one.</p>",
        simple_table("degradation", headers, rows, "degradation"),
        "<h3>Mean degradation per output modality</h3>",
        simple_table("degradation-means",
                     [Header("model", False), Header("modality", False),
                      Header("mean degradation %", True, lower=True),
                      Header("over tasks", False)], means),
    ]
    if chart_svg:
        parts.append(f'<div class="chart" id="degradation-chart">{chart_svg}</div>')
    parts.append("</section>")
    return "".join(parts)


def paper_section(comparison: PaperComparison) -> str:
    """Measured beside published, the numbers not compared and why, unlinked models."""
    headers = [Header("model", False), Header("published as", False), Header("paper", False),
               Header("task", False), Header("protocol · metric", False),
               Header("measured", True), Header("published", True), Header("delta", True),
               Header("source", False)]
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
             simple_table("paper", headers, rows)]
    if skipped:
        parts += ["<h3>Published numbers not compared</h3>",
                  simple_table("paper-skipped",
                                [Header("model", False), Header("paper", False),
                                 Header("task", False), Header("protocol · metric", False),
                                 Header("why", False)], skipped)]
    if comparison.unlinked:
        parts.append('<p class="help">No published numbers for: '
                     f"{esc(', '.join(comparison.unlinked))} (link a model with "
                     "<code>published:</code> in the spec).</p>")
    parts.append("</section>")
    return "".join(parts)


def render_page(board: Leaderboard, *, title: str = "harmonybench leaderboard",
                degradation: Degradation | None = None, chart_svg: str | None = None,
                paper: PaperComparison | None = None) -> str:
    """The whole page as one string."""
    headline = board.headline
    metrics = "; ".join(f"{t.task}: {'/'.join(t.protocols or (t.protocol,))} · {t.metric}"
                        for t in headline.tasks)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{len(board.models)} model(s), {len(headline.tasks)} headline '
        "task(s).</p>",
        systems_html(board.models),
        '<section id="leaderboard-section"><h2>Leaderboard</h2>',
        f'<p class="help">{HEADLINE_HELP}</p>', headline_table(board),
        f'<p class="help">Headline metrics: {esc(metrics)}.</p>' if metrics else "",
    ]
    if board.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in board.notes)
                     + "</ul>")
    parts.append("</section>")
    if degradation is not None and degradation.rows:
        parts.append(degradation_section(degradation, chart_svg))
    elif chart_svg:
        parts.append(f'<section><h2>Averages</h2><div class="chart">{chart_svg}</div>'
                     "</section>")
    if paper is not None:
        parts.append(paper_section(paper))
    parts.append(details_section(board))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"
