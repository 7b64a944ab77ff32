"""The leaderboard's details: per task, every protocol, metric, statistic and sample count.

The headline shows one number per task; everything else the runs reported is here, one small
table per task, transposed so that it stays narrow: rows are ``protocol · metric`` (then the
sample counts), columns are the models that ran the task. A cell is marked when it is the
model's headline value, and when its protocol reads coordinates in another frame than the
model's (:mod:`harmonybench.frames`): such values are shown here only, never headlined.

Sample rows: ``n`` and ``scored`` always; ``failed``, ``unsupported`` and ``missing`` only
where some model has one. The markdown and HTML renderers draw these tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harmonybench.board_runs import Modality, ModelScores
from harmonybench.frames import FrameLookup
from harmonybench.leaderboard import Column, Leaderboard
from harmonybench.scales import COUNT, Scale

SAMPLE_COUNTS: tuple[str, ...] = ("n", "scored", "failed", "unsupported", "score_errors",
                                  "missing")
"""The sample counts of a task entry, in the order shown."""
ALWAYS_SHOWN: frozenset[str] = frozenset({"n", "scored"})


@dataclass(frozen=True)
class DetailCell:
    """A value in display units (``NaN``: none) and what it is for its model."""

    value: float
    headline: bool = False
    other_frame: bool = False


@dataclass(frozen=True)
class DetailRow:
    """One ``protocol · metric`` (or ``samples · count``) of a task, one cell per model."""

    protocol: str
    metric: str
    scale: Scale
    kind: str
    cells: tuple[DetailCell, ...]

    @property
    def label(self) -> str:
        """``protocol · metric (scale)``."""
        return f"{self.protocol} · {self.metric} ({self.scale.label})"

    def text(self, cell: DetailCell) -> str:
        """``cell``'s value as this row's scale shows it."""
        return self.scale.show(cell.value)


@dataclass(frozen=True)
class DetailTable:
    """One task's details: the models that ran it (columns) and its rows."""

    modality: Modality
    task: str
    models: tuple[str, ...]
    rows: tuple[DetailRow, ...]

    @property
    def has_other_frames(self) -> bool:
        """Whether some cell is a protocol of another frame than its model's."""
        return any(c.other_frame for r in self.rows for c in r.cells)


def _metric_row(board: Leaderboard, column: Column, models: list[ModelScores],
                frames: FrameLookup) -> DetailRow:
    headline = next((t for t in board.headline.tasks if t.task == column.task), None)
    is_metric = headline is not None and column.metric == headline.metric
    cells = []
    for model in models:
        own = model.tasks[column.task].default_protocol
        shown = board.headline.cell(model.name, column.task).protocol
        cells.append(DetailCell(
            board.value(model.name, column),
            headline=is_metric and shown == column.protocol,
            other_frame=frames.other_frame(column.protocol, own)))
    return DetailRow(column.protocol, column.metric, column.scale, column.kind, tuple(cells))


def _sample_rows(task: str, models: list[ModelScores]) -> list[DetailRow]:
    rows = []
    for name in SAMPLE_COUNTS:
        values = [float(getattr(m.tasks[task], name)) for m in models]
        if name in ALWAYS_SHOWN or any(v > 0 for v in values):
            rows.append(DetailRow("samples", name, COUNT, "samples",
                                  tuple(DetailCell(v) for v in values)))
    return rows


def detail_tables(board: Leaderboard) -> list[DetailTable]:
    """One :class:`DetailTable` per task, text-out tasks first, in the full table's order."""
    frames = FrameLookup()
    tables = []
    tasks = list(dict.fromkeys((c.modality, c.task) for c in board.columns))
    for modality, task in tasks:
        models = [m for m in board.models if task in m.tasks]
        rows = [_metric_row(board, c, models, frames) for c in board.columns
                if c.task == task and c.kind != "failed"]
        rows = [r for r in rows if not all(math.isnan(c.value) for c in r.cells)]
        rows += _sample_rows(task, models)
        tables.append(DetailTable(modality, task, tuple(m.name for m in models), tuple(rows)))
    return tables
