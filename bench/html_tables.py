"""HTML tables of the leaderboard page: the headline, the details, and a plain sortable table.

Every text is HTML-escaped here. The headline table (``id="leaderboard"``, class
``headline``) has one sortable column per task, grouped by output modality, each group led by
the models' coverage average and coverage; every header's ``title`` names the task, protocol,
metric, scale and direction. The details are one small transposed table per task
(``id="details-TASK"``) inside a ``<details>`` block.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from harmonybench.board_details import DetailTable, detail_tables
from harmonybench.board_formats import PARTIAL, headline_cell
from harmonybench.headline import HeadlineTask, compact
from harmonybench.leaderboard import MODALITY_LABELS, Leaderboard
from harmonybench.scales import PERCENT

Cell = tuple[str, "float | str", str]
"""A table cell: shown text, sort value (a number or a string) and CSS classes."""


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return escape(str(text), quote=True)


def sort_key(value: float) -> str:
    """A number as a ``data-v`` sort key (empty for ``NaN``: sorted last)."""
    return "" if math.isnan(value) else repr(float(value))


@dataclass(frozen=True)
class Header:
    """A sortable leaf header; ``label`` is HTML (escape its text before)."""

    label: str
    numeric: bool
    lower: bool = False
    classes: str = ""
    title: str = ""

    def html(self, col: int) -> str:
        """The ``<th>`` of column ``col``."""
        classes = " ".join(c for c in ("sortable", "num" if self.numeric else "", self.classes)
                           if c)
        lower = ' data-lower="1"' if self.lower else ""
        title = f' title="{esc(self.title)}"' if self.title else ""
        return (f'<th class="{classes}" data-col="{col}"{lower}{title} tabindex="0">'
                f"{self.label}</th>")


def simple_table(table_id: str, headers: Sequence[Header], rows: Sequence[Sequence[Cell]],
                 classes: str = "") -> str:
    """A sortable table in a scroll box (``id="TABLE_ID-box"``); each cell is ``(shown text,
    sort value, classes)``."""
    head = "".join(h.html(i) for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for shown, sort, names in row:
            key = sort_key(sort) if isinstance(sort, float) else str(sort)
            cells.append(f'<td class="{esc(names)}" data-v="{esc(key)}">{esc(shown)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    table_classes = " ".join(c for c in ("sortable-table", classes) if c)
    return (f'<div class="scroll" id="{esc(table_id)}-box"><table id="{esc(table_id)}" '
            f'class="{table_classes}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _task_header(task: HeadlineTask) -> Header:
    direction = "lower" if task.lower_is_better else "higher"
    unit = task.scale.label
    named = unit.lower().startswith(task.metric.lower())  # "FID (lower is better)" names fid
    label = (f'{esc(task.label)}<span class="scale">'
             f'{esc(unit if named else f"{task.metric} {unit}")}</span>')
    return Header(label, True, task.lower_is_better, f"g-{task.modality}",
                  f"{task.title}; {direction} is better")


def headline_table(board: Leaderboard) -> str:
    """The headline: per modality the coverage average, the coverage, then one column per
    task; a group header row names the modalities."""
    headline = board.headline
    with_roles = any(m.role for m in board.models)
    headers = [Header("model", False)] + ([Header("role", False)] if with_roles else [])
    groups = [f'<th colspan="{len(headers)}"></th>']
    average = compact(PERCENT)
    for modality in headline.modalities():
        tasks = headline.tasks_of(modality)
        groups.append(f'<th class="g-{modality}" colspan="{2 + len(tasks)}">'
                      f"{esc(MODALITY_LABELS[modality])}</th>")
        headers += [
            Header('average<span class="scale">%</span>', True, classes=f"g-{modality}",
                   title=f"{modality}-out coverage average: the mean of the model's headline "
                         "values over the tasks of this modality it covers; higher is better"),
            Header('tasks<span class="scale">covered</span>', True, classes=f"g-{modality}",
                   title=f"{modality}-out tasks the model has a value for, of the tasks "
                         "whose headline is a higher-is-better percentage"),
            *(_task_header(t) for t in tasks)]
    body = []
    for model in board.models:
        cells = [f'<td class="name" data-v="{esc(model.name)}">{esc(model.name)}</td>']
        if with_roles:
            cells.append(f'<td data-v="{esc(model.role or "")}">{esc(model.role or "")}</td>')
        for modality in headline.modalities():
            coverage = headline.coverage[(model.name, modality)]
            cells.append(f'<td class="num avg g-{modality}" data-v="{sort_key(coverage.average)}"'
                         f">{esc(average.show(coverage.average))}</td>")
            cells.append(f'<td class="num coverage" data-v="{len(coverage.covered)}" '
                         f'title="{esc(", ".join(coverage.covered) or "none")}">'
                         f"{len(coverage.covered)}/{len(coverage.eligible)}</td>")
            for task in headline.tasks_of(modality):
                cell = headline.cell(model.name, task.task)
                title = (f' title="{cell.not_scored} sample(s) not scored; see the details"'
                         if cell.not_scored and cell.protocol else "")
                cells.append(f'<td class="num" data-v="{sort_key(cell.value)}"{title}>'
                             f"{esc(headline_cell(headline, model.name, task))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(h.html(i) for i, h in enumerate(headers))
    return ('<div class="scroll" id="leaderboard-box"><table id="leaderboard" '
            f'class="sortable-table headline"><thead><tr>{"".join(groups)}</tr>'
            f'<tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _details_table(table: DetailTable, label: str) -> str:
    head = "".join(f"<th>{esc(m)}</th>" for m in table.models)
    body = []
    for row in table.rows:
        cells = [f'<td class="label">{esc(row.label)}</td>']
        for cell in row.cells:
            names = ["num"]
            names += ["headline-value"] if cell.headline else []
            names += ["other-frame"] if cell.other_frame else []
            names += ["samples"] if row.kind == "samples" else []
            title = (' title="a protocol for another coordinate frame than the model\'s"'
                     if cell.other_frame else "")
            cells.append(f'<td class="{" ".join(names)}"{title}>{esc(row.text(cell))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="details-task"><h4>{esc(label)}</h4>'
            f'<table class="details-table" id="details-{esc(table.task)}"><thead><tr>'
            f'<th>protocol · metric</th>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
            "</table></div>")


def details_section(board: Leaderboard) -> str:
    """Every protocol, metric, statistic and sample count, per task, in a ``<details>``."""
    tables = detail_tables(board)
    parts = ['<section id="details-section"><h2>Details</h2><details id="details">',
             "<summary>Every protocol, metric, sufficient statistic and sample count, per "
             "task</summary>",
             '<p class="help"><b>Bold</b>: the model\'s headline value. Grey: a protocol for '
             "another coordinate frame than the model's (it reads the answers as if they were "
             "in that frame; never headlined), and sample counts.</p>"]
    for modality in dict.fromkeys(t.modality for t in tables):
        parts.append(f"<h3>{esc(MODALITY_LABELS[modality])}</h3>")
        parts.append('<div class="details-grid">' + "".join(
            _details_table(t, board.headline.label(t.task)) for t in tables
            if t.modality == modality) + "</div>")
    parts.append("</details></section>")
    return "".join(parts)


HEADLINE_HELP = (
    "One column per task: its default protocol's main metric, in % (fractions of samples "
    "&times; 100) unless the header says otherwise. <b>average</b>: each model's mean over the "
    "tasks of that output modality it covers, beside its coverage (<i>tasks covered</i>, of "
    "the tasks whose headline is a higher-is-better percentage): averages over different "
    "task sets are not directly comparable. A dash: not run or nothing scored; "
    f"{PARTIAL}: some samples of the task were not scored. Click a header to sort; hover it "
    "for its protocol."
)
"""The help paragraph under the headline's heading (HTML)."""
