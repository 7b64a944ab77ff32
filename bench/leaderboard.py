"""Leaderboard tables: runs loaded, merged per model and laid out by output modality.

A run folder's ``scores.json`` holds, per task, the task's ``modality`` (``text`` or
``image``), its ``default_protocol``, sample counts and ``protocols: {protocol: {metric:
value}}``. This module reads run folders, merges several runs of one model (each task once),
and builds one :class:`pandas.DataFrame`: models as rows, ``(modality, task, protocol, metric,
scale)`` as columns.

Scales (:func:`scale_of`):

- ``%``: fractions in [0, 1] shown as percentages (the default for a float);
- ``count``: integers shown as they are (OCRBench's ``score`` out of 1000, line counts);
- metrics in :data:`RAW_SCALES` are shown as they are, with their own label: FID is
  ``FID (lower is better)``, CLIPScore ``CLIPScore`` (its weight makes it no fraction).

Direction: metrics named in :data:`LOWER_IS_BETTER` are better when lower (FID, KID, LPIPS,
error and distance rates); every other metric is better when higher. Degradation and sorting
use :func:`lower_is_better`.

Per-modality average: for each output modality, the mean of the tasks' default-protocol main
metric, in percent, over the tasks that *every* model with a task of that modality has scored
(so that the averages of a row compare with each other). Only higher-is-better percentage
metrics enter it. Tasks left out are named in :attr:`Leaderboard.notes`.

A task a model scored no sample of (all failed, unsupported or missing) has no value (``NaN``,
shown as a dash), never 0: failures are counted in the task's ``failed`` column instead.

Nested values (OCRBench ``categories``), booleans and strings in ``scores.json`` are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import pandas as pd

from harmonybench.errors import DataError, HarmonyBenchError
from harmonybench.runfolder import RunFolder
from harmonybench.scales import (
    COUNT,
    PERCENT,
    Scale,
    lower_is_better,
    scale_of,
)
from harmonybench.schema import canonical_json

Modality = Literal["text", "image"]
Role = Literal["unified", "text-specialist", "image-specialist"]

MODALITIES: tuple[Modality, ...] = ("text", "image")
ROLES: tuple[Role, ...] = ("unified", "text-specialist", "image-specialist")
MODALITY_LABELS: Mapping[str, str] = MappingProxyType({
    "text": "text-out (VQA, OCRBench, recognition, grounding)",
    "image": "image-out (generation, editing)",
})
SPECIALIST_ROLE: Mapping[str, Role] = MappingProxyType({
    "text": "text-specialist", "image": "image-specialist",
})

TASK_ORDER: tuple[str, ...] = (
    "textvqa", "stvqa", "ocrvqa", "docvqa", "infovqa", "chartqa", "ocrbench",
    "anytext-t2i", "anytext-edit", "mario-eval",
)
"""Tasks shown first, in this order (the TextMonkey table's); others follow by name."""

def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- loading runs ---------------------------------------------------------------------------

KNOWN_SUBSETS: tuple[str, ...] = (
    "laion_word", "wukong_word",
    "LAIONEval4000", "TMDBEval500", "OpenLibraryEval500", "DrawBenchText", "DrawTextCreative",
    "ChineseDrawText",
)
"""Benchmark subsets recognised in a task's data path (AnyText-benchmark, MARIO-Eval)."""


@dataclass(frozen=True)
class TaskScores:
    """One task's entry in one run's ``scores.json``.

    ``protocols`` keeps only numeric values; ``subset`` is the benchmark subset the run used
    (``run.json``'s ``subset``, else a :data:`KNOWN_SUBSETS` name in its data path, else ``""``).
    """

    task: str
    run: Path
    modality: Modality
    kind: str
    default_protocol: str
    n: int
    scored: int
    failed: int
    unsupported: int
    missing: int
    protocols: Mapping[str, Mapping[str, float]]
    subset: str = ""

    @property
    def not_scored(self) -> int:
        """Samples without a score: errors, unsupported requests and samples not yet run."""
        return self.failed + self.unsupported + self.missing

    def value(self, protocol: str, metric: str) -> float:
        """The stored value, ``NaN`` when absent or when no sample was scored."""
        if self.scored <= 0:
            return math.nan
        found = self.protocols.get(protocol, {}).get(metric)
        return math.nan if found is None else float(found)


@dataclass(frozen=True)
class RunScores:
    """A run folder's model spec and task scores."""

    path: Path
    run_id: str
    model: Mapping[str, Any]
    tasks: Mapping[str, TaskScores]

    @property
    def identity(self) -> str:
        """The model spec as canonical JSON: runs with equal identities are one model."""
        return str(canonical_json(dict(self.model)))

    @property
    def label(self) -> str:
        """``adapter:location-name`` (or the adapter alone) from the model spec."""
        adapter = str(self.model.get("adapter") or "model")
        location = self.model.get("location")
        return f"{adapter}:{Path(str(location)).name}" if location else adapter


def find_runs(path: str | Path) -> list[Path]:
    """``path`` if it is a run folder, else the run folders directly inside it (sorted).

    Raises:
        DataError: ``path`` is neither a run folder nor a folder of run folders.
    """
    root = Path(path).expanduser()
    if (root / "run.json").is_file():
        return [root]
    if root.is_dir():
        found = sorted(p for p in root.iterdir() if (p / "run.json").is_file())
        if found:
            return found
    raise DataError(root, "is not a run folder (no run.json) and holds no run folders")


def _count(path: Path, task: str, entry: Mapping[str, Any], key: str) -> int:
    value = entry.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DataError(path, f"{value!r} is not a sample count", record=f"task {task}",
                        field=key)
    return value


def _subset(spec: Mapping[str, Any]) -> str:
    given = spec.get("subset")
    if isinstance(given, str) and given:
        return given
    data = spec.get("data")
    if isinstance(data, str):
        parts = set(Path(data).parts)
        for name in KNOWN_SUBSETS:
            if name in parts:
                return name
    return ""


def _task_scores(path: Path, run: Path, task: str, entry: Any,
                 spec: Mapping[str, Any]) -> TaskScores:
    record = f"task {task}"
    if not isinstance(entry, Mapping):
        raise DataError(path, "a task entry must be a JSON object", record=record)
    modality = entry.get("modality")
    if modality not in MODALITIES:
        raise DataError(path, f"modality {modality!r} is not 'text' or 'image'", record=record,
                        field="modality")
    default = entry.get("default_protocol")
    if not isinstance(default, str) or not default:
        raise DataError(path, "default_protocol must be a protocol name", record=record,
                        field="default_protocol")
    raw = entry.get("protocols", {})
    if not isinstance(raw, Mapping):
        raise DataError(path, "protocols must be an object {protocol: {metric: value}}",
                        record=record, field="protocols")
    protocols: dict[str, Mapping[str, float]] = {}
    for name, metrics in raw.items():
        if not isinstance(metrics, Mapping):
            raise DataError(path, f"protocol {name!r} must map metric names to values",
                            record=record, field="protocols")
        protocols[str(name)] = MappingProxyType(
            {str(m): v for m, v in metrics.items() if _is_number(v)})
    return TaskScores(
        task=task, run=run, modality=modality, kind=str(entry.get("kind", "")),
        default_protocol=default, n=_count(path, task, entry, "n"),
        scored=_count(path, task, entry, "scored"), failed=_count(path, task, entry, "failed"),
        unsupported=_count(path, task, entry, "unsupported"),
        missing=_count(path, task, entry, "missing"),
        protocols=MappingProxyType(protocols), subset=_subset(spec),
    )


def load_run(path: str | Path) -> RunScores:
    """Read one run folder's ``run.json`` and ``scores.json``.

    Raises:
        DataError: a missing or malformed file, naming the file, the task and the field.
    """
    folder = RunFolder(Path(path).expanduser())
    info = folder.read_run_json()
    scores = folder.read_scores_json()
    model = info.get("model", scores.get("model"))
    if not isinstance(model, Mapping):
        raise DataError(folder.run_json, "the model spec must be an object", field="model")
    specs = {s.get("task"): s for s in info.get("tasks", []) if isinstance(s, Mapping)}
    tasks = {
        str(task): _task_scores(folder.scores_json, folder.root, str(task), entry,
                                specs.get(task, {}))
        for task, entry in scores["tasks"].items()
    }
    run_id = str(scores.get("run_id") or info.get("run_id") or folder.root.name)
    return RunScores(folder.root, run_id, MappingProxyType(dict(model)),
                     MappingProxyType(tasks))


# -- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelScores:
    """One model: its name, the runs merged into it and their tasks.

    ``role``, ``reference`` and ``published`` come from a spec file (see
    :mod:`harmonybench.degradation`); without one they are ``None``.
    """

    name: str
    runs: tuple[RunScores, ...]
    tasks: Mapping[str, TaskScores]
    role: Role | None = None
    reference: str | None = None
    published: str | None = None


def merge_runs(name: str, runs: Sequence[RunScores], *, role: Role | None = None,
               reference: str | None = None, published: str | None = None) -> ModelScores:
    """Merge the runs of one model; each task may come from one run only.

    Raises:
        DataError: a task is in two of the runs (the message names both).
    """
    tasks: dict[str, TaskScores] = {}
    for run in runs:
        for task, scores in run.tasks.items():
            if task in tasks:
                raise DataError(
                    run.path,
                    f"task {task!r} of model {name!r} is in two runs: {tasks[task].run} and "
                    f"{run.path}; give each task once (or make them two models)",
                    record=f"task {task}",
                )
            tasks[task] = scores
    return ModelScores(name, tuple(runs), MappingProxyType(tasks), role, reference, published)


def models_from_runs(paths: Iterable[str | Path]) -> list[ModelScores]:
    """Load run folders and merge those of the same model spec, in first-seen order.

    Names are the runs' :attr:`RunScores.label`; two different specs with one label get the
    run id appended.
    """
    groups: dict[str, list[RunScores]] = {}
    for path in paths:
        for folder in find_runs(path):
            run = load_run(folder)
            groups.setdefault(run.identity, []).append(run)
    labels = [runs[0].label for runs in groups.values()]
    models = []
    for label, runs in zip(labels, groups.values(), strict=True):
        name = label if labels.count(label) == 1 else f"{label} ({runs[0].run_id})"
        models.append(merge_runs(name, runs))
    return models


# -- the table ----------------------------------------------------------------------------------

ColumnKind = Literal["metric", "average", "failed"]


@dataclass(frozen=True)
class Column:
    """One leaderboard column.

    ``kind`` is ``metric`` (a task's protocol metric), ``average`` (the modality average) or
    ``failed`` (a task's samples without a score). ``main`` marks the task's default-protocol
    main metric.
    """

    modality: Modality
    task: str
    protocol: str
    metric: str
    scale: Scale
    kind: ColumnKind = "metric"
    main: bool = False

    @property
    def lower_is_better(self) -> bool:
        """Whether smaller values rank higher."""
        return self.kind == "failed" or lower_is_better(self.metric)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """The DataFrame column label."""
        return (self.modality, self.task, self.protocol, self.metric, self.scale.label)

    @property
    def title(self) -> str:
        """A one-line header: ``task · protocol · metric (scale)``."""
        parts = [p for p in (self.task, self.protocol, self.metric) if p]
        return " · ".join(parts) + f" ({self.scale.label})"


@dataclass
class Leaderboard:
    """The leaderboard: models by columns, values in display units (percent, count, FID).

    Attributes:
        models: the rows, in order.
        columns: the columns, grouped by modality (text-out first).
        frame: the values; index = model names, columns = :attr:`Column.key` tuples
            (levels ``modality``, ``task``, ``protocol``, ``metric``, ``scale``).
        average_tasks: per modality, the tasks its average is over.
        notes: what the reader should know (tasks left out of averages, disagreements).
    """

    models: list[ModelScores]
    columns: list[Column]
    frame: pd.DataFrame
    average_tasks: dict[str, list[str]] = field(default_factory=dict)
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


ProtocolMetric = Callable[[str, Mapping[str, float]], str | None]


def registry_main_metric() -> ProtocolMetric:
    """A lookup of a protocol's main metric: the registered protocol's ``metric`` attribute
    when it is installed and reported, else the first value the protocol reported."""
    known: dict[str, str | None] = {}

    def lookup(protocol: str, metrics: Mapping[str, float]) -> str | None:
        if protocol not in known:
            from harmonybench.registries import PROTOCOLS

            try:
                known[protocol] = str(PROTOCOLS.load(protocol).metric)
            except (HarmonyBenchError, AttributeError):
                known[protocol] = None
        name = known[protocol]
        if name is not None and name in metrics:
            return name
        return next(iter(metrics), None)

    return lookup


def task_sort_key(task: str) -> tuple[int, str]:
    """Sort key: tasks of :data:`TASK_ORDER` in that order, then the others by name."""
    return (TASK_ORDER.index(task) if task in TASK_ORDER else len(TASK_ORDER), task)


def main_metrics(models: Sequence[ModelScores],
                 main_metric: ProtocolMetric | None = None) -> dict[str, tuple[str, str | None]]:
    """Per task: its default protocol and that protocol's main metric (``None``: none found)."""
    lookup = main_metric or registry_main_metric()
    result: dict[str, tuple[str, str | None]] = {}
    for model in models:
        for task, scores in model.tasks.items():
            if task in result and result[task][1] is not None:
                continue
            protocol = scores.default_protocol
            metrics = scores.protocols.get(protocol, {})
            result[task] = (protocol, lookup(protocol, metrics) if metrics else None)
    return result


STATISTICS: frozenset[str] = frozenset(
    {"matched", "gt_care", "det_care", "lines", "images", "invalid_polygons"}
)
"""Sufficient statistics protocols journal to recompute their numbers (detection match
counts, line and image counts): kept in ``scores.json``, not shown as columns."""


def _metric_columns(models: Sequence[ModelScores], task: str, modality: Modality,
                    main: tuple[str, str | None], default_only: bool) -> list[Column]:
    seen: dict[tuple[str, str], object] = {}
    for model in models:
        scores = model.tasks.get(task)
        if scores is None:
            continue
        for protocol, metrics in scores.protocols.items():
            for metric, value in metrics.items():
                if metric not in STATISTICS:
                    seen.setdefault((protocol, metric), value)
    protocol_main, metric_main = main

    def order(item: tuple[str, str]) -> tuple[int, str, int]:
        protocol, metric = item
        metrics = [m for p, m in seen if p == protocol]
        return (0 if protocol == protocol_main else 1, protocol,
                0 if metric == metric_main else 1 + metrics.index(metric))

    columns = []
    for protocol, metric in sorted(seen, key=order):
        if default_only and protocol != protocol_main:
            continue
        columns.append(Column(modality, task, protocol, metric,
                              scale_of(protocol, metric, seen[(protocol, metric)]),
                              main=(protocol == protocol_main and metric == metric_main)))
    return columns


def build_leaderboard(models: Sequence[ModelScores], *, default_only: bool = False,
                      main_metric: ProtocolMetric | None = None) -> Leaderboard:
    """Lay ``models`` out as one table grouped by output modality.

    Args:
        models: the rows (see :func:`models_from_runs` and
            :func:`harmonybench.degradation.models_from_spec`).
        default_only: show only each task's default protocol.
        main_metric: how a protocol's main metric is found (default: the registry's).
    """
    modality_of: dict[str, Modality] = {}
    notes: list[str] = []
    for model in models:
        for task, scores in model.tasks.items():
            if modality_of.setdefault(task, scores.modality) != scores.modality:
                raise DataError(scores.run, f"task {task!r} is {scores.modality}-out here but "
                                f"{modality_of[task]}-out in another run", field="modality")
    mains = main_metrics(models, main_metric)
    for task in mains:
        defaults = {m.tasks[task].default_protocol for m in models if task in m.tasks}
        if len(defaults) > 1:
            notes.append(f"{task}: runs disagree on the default protocol "
                         f"({', '.join(sorted(defaults))}); {mains[task][0]} is used")
    columns: list[Column] = []
    average_tasks: dict[str, list[str]] = {}
    values: dict[tuple[str, str, str, str, str], list[float]] = {}
    for modality in MODALITIES:
        tasks = sorted((t for t, m in modality_of.items() if m == modality), key=task_sort_key)
        if not tasks:
            continue
        common, left_out = _average_tasks(models, tasks, mains, modality)
        average_tasks[modality] = common
        if left_out:
            notes.append(f"{modality}-out average leaves out {', '.join(left_out)} (not scored "
                         "by every model with a task of this modality, or not a "
                         "higher-is-better percentage)")
        average = Column(modality, "average", "", "main metrics", PERCENT, "average")
        columns.append(average)
        values[average.key] = [_average(m, common, mains) for m in models]
        for task in tasks:
            for column in _metric_columns(models, task, modality, mains[task], default_only):
                columns.append(column)
                values[column.key] = [
                    _display(m.tasks[task].value(column.protocol, column.metric), column.scale)
                    if task in m.tasks else math.nan for m in models]
            failed = Column(modality, task, "samples", "failed", COUNT, "failed")
            columns.append(failed)
            values[failed.key] = [float(m.tasks[task].not_scored) if task in m.tasks
                                  else math.nan for m in models]
    index = pd.Index([m.name for m in models], name="model")
    if columns:
        frame = pd.DataFrame({c.key: values[c.key] for c in columns}, index=index)
        frame.columns = pd.MultiIndex.from_tuples(
            [c.key for c in columns], names=["modality", "task", "protocol", "metric", "scale"])
    else:
        frame = pd.DataFrame(index=index)
    return Leaderboard(list(models), columns, frame, average_tasks, notes)


def _display(value: float, scale: Scale) -> float:
    return value * scale.factor


def _average_tasks(models: Sequence[ModelScores], tasks: Sequence[str],
                   mains: Mapping[str, tuple[str, str | None]],
                   modality: str) -> tuple[list[str], list[str]]:
    having = [m for m in models if any(s.modality == modality for s in m.tasks.values())]
    common: list[str] = []
    left_out: list[str] = []
    for task in tasks:
        protocol, metric = mains[task]
        sample = next((m.tasks[task].protocols.get(protocol, {}).get(metric or "")
                       for m in having if task in m.tasks), None)
        usable = (metric is not None and scale_of(protocol, metric, sample) is PERCENT and all(
            task in m.tasks and not math.isnan(m.tasks[task].value(protocol, metric))
            for m in having))
        (common if usable else left_out).append(task)
    return common, left_out


def _average(model: ModelScores, tasks: Sequence[str],
             mains: Mapping[str, tuple[str, str | None]]) -> float:
    values = []
    for task in tasks:
        scores = model.tasks.get(task)
        protocol, metric = mains[task]
        if scores is None or metric is None:
            return math.nan
        values.append(scores.value(protocol, metric) * 100.0)
    return sum(values) / len(values) if values else math.nan
