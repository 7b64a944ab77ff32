"""The leaderboard: its headline and the full table of every protocol, metric and count.

:func:`build_leaderboard` lays models (rows, see :mod:`harmonybench.board_runs`) out twice:

- the **headline** (:mod:`harmonybench.headline`): one column per task, its default protocol's
  main metric, and per output modality each model's coverage average;
- the **full table**, shown as the details: one :class:`pandas.DataFrame` with models as rows
  and ``(modality, task, protocol, metric, scale)`` as columns, every protocol and metric the
  runs reported (the default protocol first, its main metric first), the sufficient statistics
  protocols declare (after the metrics of their protocol) and, only where some model has one,
  the task's samples without a score (``failed``).

What a value means is its declaration (:mod:`harmonybench.meaning`, recorded in
``scores.json``): scales come from the declared unit (:func:`harmonybench.scales.scale_for`:
fractions in [0, 1] as percentages, counts as counts, FID, CLIPScore, dB and SSIM as they
are), direction (degradation, sorting) and the main metric from the declaration too.

A task a model scored no sample of (all failed, unsupported or missing) has no value (``NaN``,
shown as a dash), never 0: its failures are counted instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, cast

import pandas as pd

from harmonybench.board_runs import (
    KNOWN_SUBSETS,
    MODALITIES,
    MODALITY_LABELS,
    ROLES,
    SPECIALIST_ROLE,
    Modality,
    ModelScores,
    Role,
    RunScores,
    TaskScores,
    find_runs,
    load_run,
    merge_runs,
    models_from_runs,
    task_sort_key,
)
from harmonybench.errors import DataError
from harmonybench.headline import Headline, build_headline, main_metrics
from harmonybench.meaning import FAULTS, UNDECLARED, MetricInfo
from harmonybench.scales import COUNT, Scale, scale_for

__all__ = [
    "KNOWN_SUBSETS", "MODALITIES", "MODALITY_LABELS", "ROLES", "SPECIALIST_ROLE", "Column",
    "Headline", "Leaderboard", "Modality", "ModelScores", "Role", "RunScores", "TaskScores",
    "build_leaderboard", "find_runs", "load_run", "main_metrics", "merge_runs",
    "models_from_runs", "task_sort_key",
]
"""The run-loading and headline names are re-exported: callers import them from here."""

ColumnKind = Literal["metric", "statistic", "failed"]


@dataclass(frozen=True)
class Column:
    """One column of the full table.

    ``kind`` is ``metric`` (a task's protocol metric), ``statistic`` (a declared sufficient
    statistic or diagnostic count, or an undeclared value) or ``failed`` (a task's samples
    without a score). ``main`` marks the task's default-protocol main metric; ``info`` is the
    metric's declared meaning.
    """

    modality: Modality
    task: str
    protocol: str
    metric: str
    scale: Scale
    kind: ColumnKind = "metric"
    main: bool = False
    info: MetricInfo = UNDECLARED
    label: str = ""
    """The task as its headline column labels it (with its prompt settings,
    :attr:`harmonybench.headline.HeadlineTask.label`); ``""``: the task name."""

    @property
    def lower_is_better(self) -> bool:
        """Whether smaller values rank higher (as declared)."""
        return not self.info.higher_is_better

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """The DataFrame column label."""
        return (self.modality, self.task, self.protocol, self.metric, self.scale.label)

    @property
    def title(self) -> str:
        """A one-line header: ``task · protocol · metric (scale)``."""
        parts = [p for p in (self.label or self.task, self.protocol, self.metric) if p]
        return " · ".join(parts) + f" ({self.scale.label})"


@dataclass
class Leaderboard:
    """The leaderboard: its headline and the full table, values in display units.

    Attributes:
        models: the rows, in order.
        columns: the full table's columns, grouped by modality (text-out first).
        frame: the full table's values; index = model names, columns = :attr:`Column.key`
            tuples (levels ``modality``, ``task``, ``protocol``, ``metric``, ``scale``).
        headline: one column per task and the coverage averages
            (:mod:`harmonybench.headline`).
        notes: what the reader should know (protocols used, tasks in no average).
    """

    models: list[ModelScores]
    columns: list[Column]
    frame: pd.DataFrame
    headline: Headline
    notes: list[str] = field(default_factory=list)

    def value(self, model: str, column: Column) -> float:
        """The display value of ``model`` in ``column`` (``NaN``: none)."""
        return float(cast(float, self.frame.at[model, column.key]))

    def column(self, key: tuple[str, str, str, str, str]) -> Column:
        """The column with DataFrame label ``key``."""
        return next(c for c in self.columns if c.key == key)

    def modalities(self) -> list[str]:
        """The modalities that have columns, in order."""
        return [m for m in MODALITIES if any(c.modality == m for c in self.columns)]


def _metric_columns(models: Sequence[ModelScores], task: str, modality: Modality,
                    main: tuple[str, str | None], default_only: bool) -> list[Column]:
    seen: dict[tuple[str, str], MetricInfo] = {}
    for model in models:
        scores = model.tasks.get(task)
        if scores is None:
            continue
        for protocol, metrics in scores.protocols.items():
            for metric in metrics:
                seen.setdefault((protocol, metric), scores.info(protocol, metric))
    protocol_main, metric_main = main

    def order(item: tuple[str, str]) -> tuple[int, str, int, int]:
        protocol, metric = item
        metrics = [m for p, m in seen if p == protocol]
        return (0 if protocol == protocol_main else 1, protocol,
                0 if metric == metric_main else 2 if seen[item].statistic else 1,
                metrics.index(metric))

    columns = []
    for protocol, metric in sorted(seen, key=order):
        if default_only and protocol != protocol_main:
            continue
        info = seen[(protocol, metric)]
        columns.append(Column(modality, task, protocol, metric, scale_for(info),
                              kind="statistic" if info.statistic else "metric",
                              main=(protocol == protocol_main and metric == metric_main),
                              info=info))
    return columns


def build_leaderboard(models: Sequence[ModelScores], *,
                      default_only: bool = False) -> Leaderboard:
    """Lay ``models`` out as the headline and the full table, grouped by output modality.

    Args:
        models: the rows (see :func:`models_from_runs` and
            :func:`harmonybench.degradation.models_from_spec`).
        default_only: keep only each task's default protocol in the full table.

    Raises:
        DataError: one task is text-out in one run and image-out in another.
    """
    modality_of: dict[str, Modality] = {}
    for model in models:
        for task, scores in model.tasks.items():
            if modality_of.setdefault(task, scores.modality) != scores.modality:
                raise DataError(scores.run, f"task {task!r} is {scores.modality}-out here but "
                                f"{modality_of[task]}-out in another run", field="modality")
    mains = main_metrics(models)
    columns: list[Column] = []
    values: dict[tuple[str, str, str, str, str], list[float]] = {}
    for modality in MODALITIES:
        for task in sorted((t for t, m in modality_of.items() if m == modality),
                           key=task_sort_key):
            for column in _metric_columns(models, task, modality, mains[task], default_only):
                columns.append(column)
                values[column.key] = [
                    m.tasks[task].value(column.protocol, column.metric) * column.scale.factor
                    if task in m.tasks else math.nan for m in models]
            failed = [float(m.tasks[task].not_scored) if task in m.tasks else math.nan
                      for m in models]
            if any(v > 0 for v in failed):
                column = Column(modality, task, "samples", "failed", COUNT, "failed",
                                info=FAULTS)
                columns.append(column)
                values[column.key] = failed
    index = pd.Index([m.name for m in models], name="model")
    if columns:
        frame = pd.DataFrame({c.key: values[c.key] for c in columns}, index=index)
        frame.columns = pd.MultiIndex.from_tuples(
            [c.key for c in columns], names=["modality", "task", "protocol", "metric", "scale"])
    else:
        frame = pd.DataFrame(index=index)
    headline = build_headline(models)
    columns = [replace(c, label=headline.label(c.task)) for c in columns]
    return Leaderboard(list(models), columns, frame, headline, list(headline.notes))
