"""Run folders read for the leaderboard, and the runs of one model merged.

A run folder's ``scores.json`` holds, per task, the task's ``modality`` (``text`` or
``image``), its ``default_protocol`` (chosen by the model's coordinate frame where the task has
coordinates), sample counts and ``protocols: {protocol: {metric: value}}``. This module reads
run folders (:func:`load_run`), and merges several runs of one model, each task once
(:func:`merge_runs`, :func:`models_from_runs`). Only numeric values are kept: nested values
(OCRBench ``categories``), booleans and strings are skipped. What each value means comes from
the entry's ``metrics_info`` (the declarations the scoring stage recorded), else from the
installed registries (:class:`harmonybench.meaning.MetricMeanings`), never from its name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeGuard

from harmonybench.errors import DataError
from harmonybench.meaning import UNDECLARED, MetricInfo, MetricMeanings, MetricTable
from harmonybench.resultfiles import TaskEntry, TaskSpec
from harmonybench.runfolder import read_run_files
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


def task_sort_key(task: str) -> tuple[int, str]:
    """Sort key: tasks of :data:`TASK_ORDER` in that order, then the others by name."""
    return (TASK_ORDER.index(task) if task in TASK_ORDER else len(TASK_ORDER), task)


def _is_number(value: object) -> TypeGuard[float]:
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
    score_errors: int = 0
    """Outputs that could not be extracted or scored (kept; ``rescore`` retries them)."""
    meanings: Mapping[str, MetricTable] = field(default_factory=lambda: MappingProxyType({}))
    """Per protocol, what its metrics mean (see :mod:`harmonybench.meaning`)."""
    prompt_setting: str = ""
    """The prompt setting the run used (``run.json``'s ``prompt_setting``, e.g. TextVQA's
    ``question`` or ``ocr-tokens``); ``""``: the task has none or the run did not record it."""

    def info(self, protocol: str, metric: str) -> MetricInfo:
        """The declared meaning of ``protocol``'s ``metric`` (undeclared: a plain number)."""
        return self.meanings.get(protocol, MappingProxyType({})).get(metric, UNDECLARED)

    def main_metric(self, protocol: str) -> str | None:
        """``protocol``'s declared main metric when reported, else its first reported value
        (``None``: it reported none)."""
        reported = self.protocols.get(protocol, {})
        declared = self.meanings.get(protocol, MappingProxyType({}))
        main = next((m for m, info in declared.items() if info.main), None)
        if main is not None and main in reported:
            return main
        return next(iter(reported), None)

    @property
    def not_scored(self) -> int:
        """Samples without a score: errors, unsupported requests, scoring errors and samples
        not yet run."""
        return self.failed + self.unsupported + self.score_errors + self.missing

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


def _subset(spec: TaskSpec | None) -> str:
    if spec is None:
        return ""
    if spec.subset:
        return spec.subset
    if spec.data:
        parts = set(Path(spec.data).parts)
        for name in KNOWN_SUBSETS:
            if name in parts:
                return name
    return ""


def _task_scores(path: Path, run: Path, task: str, entry: TaskEntry, spec: TaskSpec | None,
                 meanings: MetricMeanings) -> TaskScores:
    protocols = {name: MappingProxyType({m: v for m, v in metrics.items() if _is_number(v)})
                 for name, metrics in entry.protocols.items()}
    declared: dict[str, MetricTable] = {}
    for name in protocols:
        try:
            declared[name] = meanings.table(task, name, entry)
        except ValueError as exc:
            raise DataError(path, f"protocol {name!r}: {exc}", record=f"task {task}",
                            field="metrics_info") from None
    return TaskScores(
        task=task, run=run, modality=entry.modality, kind=entry.kind,
        default_protocol=entry.default_protocol, n=entry.n, scored=entry.scored,
        failed=entry.failed, unsupported=entry.unsupported, missing=entry.missing,
        score_errors=entry.score_errors,
        protocols=MappingProxyType(protocols), subset=_subset(spec),
        meanings=MappingProxyType(declared),
        prompt_setting=(spec.prompt_setting if spec else None) or "",
    )


def load_run(path: str | Path, meanings: MetricMeanings | None = None) -> RunScores:
    """Read one run folder's ``run.json`` and ``scores.json``
    (:func:`harmonybench.runfolder.read_run_files`).

    ``meanings`` looks up declarations the file does not record (a fresh lookup by default).

    Raises:
        DataError: a missing or malformed file, naming the file, the task and the field.
    """
    files = read_run_files(path)
    folder, info, scores = files.folder, files.info, files.scores
    lookup = meanings or MetricMeanings()
    tasks = {
        task: _task_scores(folder.scores_json, folder.root, task, entry, info.spec(task),
                           lookup)
        for task, entry in scores.tasks.items()
    }
    run_id = scores.run_id or info.run_id or folder.root.name
    return RunScores(folder.root, run_id, MappingProxyType(info.model.to_json_dict()),
                     MappingProxyType(tasks))


# -- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelScores:
    """One model: its name, the runs merged into it and their tasks.

    ``role``, ``reference``, ``published`` and ``about`` (a sentence saying what the system
    is) come from a spec file (see :mod:`harmonybench.degradation`); without one they are
    ``None``.
    """

    name: str
    runs: tuple[RunScores, ...]
    tasks: Mapping[str, TaskScores]
    role: Role | None = None
    reference: str | None = None
    published: str | None = None
    about: str | None = None


def merge_runs(name: str, runs: Sequence[RunScores], *, role: Role | None = None,
               reference: str | None = None, published: str | None = None,
               about: str | None = None) -> ModelScores:
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
    return ModelScores(name, tuple(runs), MappingProxyType(tasks), role, reference, published,
                       about)


def models_from_runs(paths: Iterable[str | Path]) -> list[ModelScores]:
    """Load run folders and merge those of the same model spec, in first-seen order.

    Names are the runs' :attr:`RunScores.label`; two different specs with one label get the
    run id appended.
    """
    groups: dict[str, list[RunScores]] = {}
    meanings = MetricMeanings()
    for path in paths:
        for folder in find_runs(path):
            run = load_run(folder, meanings)
            groups.setdefault(run.identity, []).append(run)
    labels = [runs[0].label for runs in groups.values()]
    models = []
    for label, runs in zip(labels, groups.values(), strict=True):
        name = label if labels.count(label) == 1 else f"{label} ({runs[0].run_id})"
        models.append(merge_runs(name, runs))
    return models
