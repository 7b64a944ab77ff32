"""The leaderboard as text: markdown, CSV, JSON and LaTeX (the HTML page is ``html.py``)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from harmonybench.leaderboard import MODALITY_LABELS, Column, Leaderboard
from harmonybench.scales import Scale


def flat_header(column: Column) -> str:
    """A one-line CSV/JSON header: ``modality/task/protocol/metric [scale]``."""
    parts = [f"{column.modality}-out", column.task, column.protocol, column.metric]
    return "/".join(p for p in parts if p) + f" [{column.scale.label}]"


def md_text(text: str) -> str:
    """``text`` safe inside markdown (pipes, angle brackets and newlines escaped)."""
    return _md_escape(text)


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


def to_markdown(board: Leaderboard) -> str:
    """One markdown table per output modality, then the notes."""
    out = ["## Leaderboard", "",
           "Values in %: fractions of samples x 100; count: as is; FID: lower is better. "
           "\"failed\": samples without a score (errors, unsupported, not run). "
           "A dash: not run or nothing scored.", ""]
    with_roles = any(m.role for m in board.models)
    for modality in board.modalities():
        columns = [c for c in board.columns if c.modality == modality]
        out += [f"### {MODALITY_LABELS[modality]}", ""]
        header = ["model", *(["role"] if with_roles else []), *(c.title for c in columns)]
        rows = []
        for model in board.models:
            cells = [c.scale.show(board.value(model.name, c)) for c in columns]
            rows.append([model.name, *([model.role or ""] if with_roles else []), *cells])
        right = [False] * (2 if with_roles else 1) + [True] * len(columns)
        out += [markdown_table(header, rows, right), ""]
        tasks = board.average_tasks.get(modality, [])
        over = md_text(", ".join(tasks)) if tasks else "no task (none in common)"
        out += [f"Average over: {over}.", ""]
    out += [f"- {md_text(note)}" for note in board.notes]
    return "\n".join(out).rstrip() + "\n"


def to_csv(board: Leaderboard) -> str:
    """The table as CSV: ``model``, ``role``, then one column per :func:`flat_header`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["model", "role", *(flat_header(c) for c in board.columns)])
    for model in board.models:
        values = [board.value(model.name, c) for c in board.columns]
        writer.writerow([model.name, model.role or "",
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


def leaderboard_json(board: Leaderboard) -> dict[str, Any]:
    """The table as JSON: columns described once, one row per model (``null``: no value)."""
    return {
        "columns": [column_json(c) for c in board.columns],
        "rows": [
            {"model": m.name, "role": m.role, "reference": m.reference,
             "runs": [str(r.path) for r in m.runs],
             "values": [_json_number(board.value(m.name, c)) for c in board.columns]}
            for m in board.models
        ],
        "average_tasks": board.average_tasks,
        "notes": board.notes,
    }


def to_latex(board: Leaderboard) -> str:
    """A LaTeX ``tabular`` per modality (pandas ``to_latex``, every cell escaped)."""
    parts = []
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
