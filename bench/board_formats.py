"""The leaderboard as text: markdown, CSV, JSON and LaTeX (the HTML page is ``html.py``).

Markdown shows the headline (:mod:`harmonybench.headline`) first and the details
(:mod:`harmonybench.board_details`) last; CSV, JSON and LaTeX hold the full table beside the
headline's coverage averages (JSON and LaTeX also the headline itself).
"""

from __future__ import annotations

import csv
import io
import math
import string
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from harmonybench.board_details import detail_tables
from harmonybench.headline import Headline, HeadlineTask, compact
from harmonybench.leaderboard import MODALITY_LABELS, Column, Leaderboard
from harmonybench.scales import PERCENT, Scale

PARTIAL = "†"
"""Marks a headline value of a task some of whose samples were not scored."""
OTHER_FRAME = "°"
"""Marks a details value of a protocol for another coordinate frame than the model's."""


def flat_header(column: Column) -> str:
    """A one-line CSV/JSON header: ``modality/task/protocol/metric [scale]``."""
    parts = [f"{column.modality}-out", column.label or column.task, column.protocol,
             column.metric]
    return "/".join(p for p in parts if p) + f" [{column.scale.label}]"


def md_text(text: str) -> str:
    """``text`` safe inside markdown (pipes, angle brackets and newlines escaped)."""
    return _md_escape(text)


def md_heading(text: str) -> str:
    """``text`` as literal markdown text: whitespace runs (newlines too) become one space and
    every ASCII punctuation character is backslash-escaped (CommonMark 0.31, "Backslash
    escapes": any ASCII punctuation may be), so a title cannot add markup, HTML or lines."""
    return "".join(f"\\{c}" if c in string.punctuation else c for c in " ".join(text.split()))


_LATEX_SPECIAL: tuple[tuple[str, str], ...] = (
    ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"),
    ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
    ("\\", r"\textbackslash{}"), ("<", r"\textless{}"), (">", r"\textgreater{}"))


def latex_text(text: str) -> str:
    """``text`` safe in LaTeX running text: the ten special characters (and ``<``, ``>``)
    replaced as pandas' ``to_latex(escape=True)`` does, whitespace runs made one space."""
    table = dict(_LATEX_SPECIAL)
    return "".join(table.get(c, c) for c in " ".join(text.split()))


def _md_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", " "))


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]],
                   right: Sequence[bool] | None = None) -> str:
    """A GitHub-flavoured markdown table; cells are escaped (``|``, ``<``, ``>``)."""
    aligns = right or [False] * len(header)
    lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |",
             "|" + "|".join("---:" if r else "---" for r in aligns) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


HEADLINE_HELP = (
    "One column per task: its default protocol's main metric (% = fraction of samples x 100; "
    "count: as is; FID: lower is better). **avg**: each model's mean over the tasks of that "
    "output modality it covers, with its coverage (covered/eligible tasks): averages over "
    "different task sets are not directly comparable. A dash: not run or nothing scored; "
    f"{PARTIAL}: some samples of the task were not scored (see the details)."
)
DETAILS_HELP = (
    "Every protocol, metric, sufficient statistic and sample count, per task. **Bold**: the "
    f"model's headline value; {OTHER_FRAME}: a protocol for another coordinate frame than the "
    "model's (it reads the answers as if they were in that frame; never headlined)."
)


def headline_cell(headline: Headline, model: str, task: HeadlineTask) -> str:
    """A headline value as shown, with :data:`PARTIAL` when samples were not scored."""
    cell = headline.cell(model, task.task)
    text = task.scale.show(cell.value)
    return f"{text} {PARTIAL}" if cell.not_scored and cell.protocol else text


def headline_markdown(board: Leaderboard) -> str:
    """The headline table (both modalities), the metric of each task and the notes."""
    headline = board.headline
    with_roles = any(m.role for m in board.models)
    header = ["model", *(["role"] if with_roles else [])]
    right = [False] * len(header)
    for modality in headline.modalities():
        header += [f"{modality}-out avg (%)", f"{modality}-out coverage"]
        header += [f"{t.label} ({t.scale.label})" for t in headline.tasks_of(modality)]
        right += [True] * (2 + len(headline.tasks_of(modality)))
    rows = []
    for model in board.models:
        row = [model.name, *([model.role or ""] if with_roles else [])]
        for modality in headline.modalities():
            coverage = headline.coverage[(model.name, modality)]
            row += [compact(PERCENT).show(coverage.average), coverage.label]
            row += [headline_cell(headline, model.name, t) for t in headline.tasks_of(modality)]
        rows.append(row)
    metrics = "; ".join(f"{t.label}: {'/'.join(t.protocols or (t.protocol,))} · {t.metric}"
                        for t in headline.tasks)
    out = ["## Leaderboard", "", HEADLINE_HELP, ""]
    if headline.tasks:
        out += [markdown_table(header, rows, right), "", f"Headline metrics: {md_text(metrics)}.",
                ""]
    out += [f"- {md_text(note)}" for note in board.notes]
    return "\n".join(out).rstrip() + "\n"


def details_markdown(board: Leaderboard) -> str:
    """The details: one transposed table per task, grouped by output modality."""
    out = ["## Details", "", DETAILS_HELP, ""]
    modality = ""
    for table in detail_tables(board):
        if table.modality != modality:
            modality = table.modality
            out += [f"### {MODALITY_LABELS[modality]}", ""]
        rows = []
        for row in table.rows:
            cells = []
            for cell in row.cells:
                text = row.text(cell)
                text = f"**{text}**" if cell.headline else text
                cells.append(f"{text} {OTHER_FRAME}" if cell.other_frame else text)
            rows.append([row.label, *cells])
        out += [f"#### {md_text(board.headline.label(table.task))}", "",
                markdown_table(["protocol · metric", *table.models], rows,
                               [False] + [True] * len(table.models)), ""]
    return "\n".join(out).rstrip() + "\n"


def to_markdown(board: Leaderboard) -> str:
    """The headline table, then the details."""
    return headline_markdown(board) + "\n" + details_markdown(board)


def to_csv(board: Leaderboard) -> str:
    """The table as CSV: ``model``, ``role``, each modality's coverage average and coverage
    (``3/7``), then one column per :func:`flat_header` of the full table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    modalities = board.headline.modalities()
    averages = [h for m in modalities for h in (f"{m}-out/average [%]", f"{m}-out/coverage")]
    writer.writerow(["model", "role", *averages, *(flat_header(c) for c in board.columns)])
    for model in board.models:
        coverage = [board.headline.coverage[(model.name, m)] for m in modalities]
        values = [board.value(model.name, c) for c in board.columns]
        writer.writerow([
            model.name, model.role or "",
            *(cell for c in coverage for cell in (
                "" if math.isnan(c.average) else repr(round(c.average, 6)),
                f"{len(c.covered)}/{len(c.eligible)}")),
            *("" if math.isnan(v) else _csv_number(v, c.scale)
              for v, c in zip(values, board.columns, strict=True))])
    return buffer.getvalue()


def _csv_number(value: float, scale: Scale) -> str:
    if scale.digits == 0:
        return str(round(value))
    return repr(round(float(value), 6))


def column_json(column: Column) -> dict[str, Any]:
    """A column's description for JSON output."""
    return {"modality": column.modality, "task": column.task, "protocol": column.protocol,
            "metric": column.metric, "scale": column.scale.label, "kind": column.kind,
            "main": column.main, "lower_is_better": column.lower_is_better,
            "header": flat_header(column)}


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def headline_json(headline: Headline) -> dict[str, Any]:
    """The headline as JSON: its task columns, then per model the values, the protocol each
    comes from, the samples not scored and the coverage average of each modality."""
    return {
        "tasks": [{"modality": t.modality, "task": t.task, "protocol": t.protocol,
                   "protocols": list(t.protocols or (t.protocol,)), "metric": t.metric,
                   "scale": t.scale.label, "lower_is_better": t.lower_is_better,
                   "averaged": t.averaged, "prompt_settings": list(t.settings)}
                  for t in headline.tasks],
        "rows": [
            {"model": model,
             "values": [_json_number(headline.cell(model, t.task).value)
                        for t in headline.tasks],
             "protocols": [headline.cell(model, t.task).protocol or None
                           for t in headline.tasks],
             "not_scored": [headline.cell(model, t.task).not_scored for t in headline.tasks],
             "averages": {
                 m: {"average": _json_number(c.average), "covered": list(c.covered),
                     "eligible": list(c.eligible), "coverage": c.label}
                 for m in headline.modalities()
                 for c in (headline.coverage[(model, m)],)}}
            for model in headline.models
        ],
    }


def leaderboard_json(board: Leaderboard) -> dict[str, Any]:
    """The leaderboard as JSON: the headline, then the full table (columns described once,
    one row per model); ``null``: no value."""
    return {
        "headline": headline_json(board.headline),
        "columns": [column_json(c) for c in board.columns],
        "rows": [
            {"model": m.name, "role": m.role, "reference": m.reference,
             "runs": [str(r.path) for r in m.runs],
             "values": [_json_number(board.value(m.name, c)) for c in board.columns]}
            for m in board.models
        ],
        "notes": board.notes,
    }


def _headline_latex(board: Leaderboard) -> str:
    headline = board.headline
    data: dict[tuple[str, str], list[str]] = {}
    for modality in headline.modalities():
        group = f"{modality}-out"
        data[(group, "avg (%)")] = [compact(PERCENT).show(headline.coverage[(m.name,
                                                                              modality)].average)
                                    for m in board.models]
        data[(group, "coverage")] = [headline.coverage[(m.name, modality)].label
                                     for m in board.models]
        for task in headline.tasks_of(modality):
            data[(group, f"{task.label} ({task.scale.label})")] = [
                headline_cell(headline, m.name, task) for m in board.models]
    frame = pd.DataFrame(data, index=pd.Index([m.name for m in board.models], name="model"))
    frame.columns = pd.MultiIndex.from_tuples(list(data))
    return str(frame.to_latex(escape=True, multicolumn=True, multicolumn_format="c",
                              caption="Headline: each task's default-protocol main metric "
                                      "and per-model coverage averages"))


def to_latex(board: Leaderboard, title: str | None = None) -> str:
    """The title (a ``\\section*``, escaped, when given), the headline ``tabular``, then one
    per modality of the full table (pandas ``to_latex``, every cell escaped)."""
    parts = [f"\\section*{{{latex_text(title)}}}\n"] if title else []
    parts += [_headline_latex(board)] if board.headline.tasks else []
    for modality in board.modalities():
        columns = [c for c in board.columns if c.modality == modality]
        frame = pd.DataFrame(
            {(c.task, c.protocol, f"{c.metric} ({c.scale.label})"):
             [c.scale.show(board.value(m.name, c)) for m in board.models]
             for c in columns},
            index=pd.Index([m.name for m in board.models], name="model"))
        frame.columns = pd.MultiIndex.from_tuples(
            [(c.task, c.protocol, f"{c.metric} ({c.scale.label})") for c in columns])
        caption = MODALITY_LABELS[modality]
        parts.append(frame.to_latex(escape=True, multicolumn=True, multicolumn_format="c",
                                    caption=caption))
    return "\n".join(parts)
