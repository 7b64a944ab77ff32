"""The leaderboard's headline: one number per task, and per-modality coverage averages.

**Per task** the headline value is the main metric of the task's default protocol
(``scores.json``'s ``default_protocol``: the task's default, or the variant of the model's
coordinate frame for grounding, detection and spotting). Each model is headlined under its own
default protocol when it reports the column's metric under it, so a model answering in pixels
and one answering in a 0-1000 frame are each read in their own frame; the other frames'
variants are never headlined (see :mod:`harmonybench.frames`). When runs disagree otherwise
(different metrics), the column's protocol (that of the first model with the task) is used and
a note says so.

**Per output modality** (text-out, image-out), each model's *coverage average* is the plain
mean, in percent, of its headline values over the tasks of that modality it covers (has a
value for), among the *eligible* tasks: those whose headline metric is declared a
higher-is-better fraction (:mod:`harmonybench.meaning`; FID, counts and other units never
enter an average). Its coverage is shown beside
it as ``covered/eligible tasks``: two models covering different tasks are averaged over
different task sets, and their averages are not directly comparable.

**Prompt settings.** A task whose runs record a ``prompt_setting`` (TextVQA: ``question`` or
``ocr-tokens``, see :mod:`harmonybench.tasks.textvqa`) carries it in its column label
(``textvqa [ocr-tokens]``), so the score never appears without it; when the models were run in
different settings (or some runs did not record one), the label lists them all and a note says
that the column's values are not comparable across them.

Percentages are shown with one decimal here (:func:`compact`); the details keep two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from harmonybench.board_runs import MODALITIES, Modality, ModelScores, task_sort_key
from harmonybench.frames import FrameLookup
from harmonybench.meaning import UNDECLARED, MetricInfo
from harmonybench.scales import PERCENT, Scale, scale_for


def main_metrics(models: Sequence[ModelScores]) -> dict[str, tuple[str, str | None]]:
    """Per task: its default protocol (the first model's that reports one) and that protocol's
    declared main metric (:meth:`TaskScores.main_metric`; ``None``: no model reported a
    number under it)."""
    result: dict[str, tuple[str, str | None]] = {}
    for model in models:
        for task, scores in model.tasks.items():
            if task in result and result[task][1] is not None:
                continue
            protocol = scores.default_protocol
            result[task] = (protocol, scores.main_metric(protocol))
    return result


def compact(scale: Scale) -> Scale:
    """``scale`` with one decimal for percentages (other scales as they are)."""
    return replace(scale, digits=1) if scale.factor == PERCENT.factor else scale


@dataclass(frozen=True)
class HeadlineTask:
    """One headline column: a task's default-protocol main metric.

    ``protocols`` are the default protocols the column's cells come from (more than one when
    the models answer in different coordinate frames); ``averaged`` says whether the task is
    eligible for its modality's coverage average (a higher-is-better percentage); ``info`` is
    the metric's declared meaning.
    """

    modality: Modality
    task: str
    protocol: str
    metric: str
    scale: Scale
    averaged: bool
    protocols: tuple[str, ...] = ()
    info: MetricInfo = UNDECLARED
    settings: tuple[str, ...] = ()
    """The prompt settings the column's cells come from (empty: the task has none)."""

    @property
    def lower_is_better(self) -> bool:
        """Whether smaller values rank higher (as declared)."""
        return not self.info.higher_is_better

    @property
    def label(self) -> str:
        """The task with its prompt settings: ``textvqa [ocr-tokens]``, ``textvqa
        [question/ocr-tokens]`` on a mixed board; the task alone when it has none."""
        return f"{self.task} [{'/'.join(self.settings)}]" if self.settings else self.task

    @property
    def title(self) -> str:
        """``label · protocol · metric (scale)`` (protocols joined by ``/`` when several)."""
        protocols = "/".join(self.protocols or (self.protocol,))
        return f"{self.label} · {protocols} · {self.metric} ({self.scale.label})"


@dataclass(frozen=True)
class HeadlineCell:
    """A model's headline value for a task (display units; ``NaN``: none), the protocol it
    comes from (``""``: the model has no such task) and its samples without a score."""

    value: float = math.nan
    protocol: str = ""
    not_scored: int = 0


@dataclass(frozen=True)
class Coverage:
    """A model's coverage average over one modality (percent; ``NaN``: it covers no task)."""

    modality: Modality
    average: float
    covered: tuple[str, ...]
    eligible: tuple[str, ...]

    @property
    def label(self) -> str:
        """``covered/eligible tasks``, e.g. ``3/7 tasks``."""
        return f"{len(self.covered)}/{len(self.eligible)} tasks"


@dataclass
class Headline:
    """The headline table: models (rows) by task columns, and coverage averages."""

    models: list[str]
    tasks: list[HeadlineTask]
    cells: dict[tuple[str, str], HeadlineCell] = field(default_factory=dict)
    coverage: dict[tuple[str, str], Coverage] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def cell(self, model: str, task: str) -> HeadlineCell:
        """``model``'s cell for ``task`` (an empty one when it has no such task)."""
        return self.cells.get((model, task), HeadlineCell())

    def modalities(self) -> list[Modality]:
        """The modalities that have a headline column, in order."""
        return [m for m in MODALITIES if any(t.modality == m for t in self.tasks)]

    def label(self, task: str) -> str:
        """``task``'s column label, with its prompt settings (:attr:`HeadlineTask.label`)."""
        return next((t.label for t in self.tasks if t.task == task), task)

    def tasks_of(self, modality: str) -> list[HeadlineTask]:
        """The columns of ``modality``, in order."""
        return [t for t in self.tasks if t.modality == modality]


def _column(models: Sequence[ModelScores], task: str, modality: Modality, protocol: str,
            metric: str) -> HeadlineTask:
    info = next((m.tasks[task].info(protocol, metric) for m in models if task in m.tasks
                 and metric in m.tasks[task].protocols.get(protocol, {})), UNDECLARED)
    scale = scale_for(info)
    averaged = scale is PERCENT and not info.statistic
    return HeadlineTask(modality, task, protocol, metric, compact(scale), averaged, info=info)


def build_headline(models: Sequence[ModelScores]) -> Headline:
    """The headline of ``models`` (see the module docstring)."""
    mains = main_metrics(models)
    modality_of: dict[str, Modality] = {}
    for model in models:
        for task, scores in model.tasks.items():
            modality_of.setdefault(task, scores.modality)
    headline = Headline([m.name for m in models], [])
    for modality in MODALITIES:
        for task in sorted((t for t, m in modality_of.items() if m == modality),
                           key=task_sort_key):
            protocol, metric = mains[task]
            if metric is None:
                headline.notes.append(f"{task}: its default protocol {protocol} reported no "
                                      "number; see the details")
                continue
            column = _fill(headline, models, _column(models, task, modality, protocol, metric))
            headline.tasks.append(_settings(headline, models, column))
    for modality in headline.modalities():
        _cover(headline, modality)
    return headline


def _fill(headline: Headline, models: Sequence[ModelScores],
          column: HeadlineTask) -> HeadlineTask:
    """Each model's cell of ``column``: under its own default protocol when that reports the
    column's metric, else under the column's protocol unless that is another frame's."""
    frames = FrameLookup()
    task, metric = column.task, column.metric
    used: dict[str, list[str]] = {}
    fallback: list[str] = []
    for model in models:
        scores = model.tasks.get(task)
        if scores is None:
            continue
        own = scores.default_protocol
        chosen = own
        if own != column.protocol and scores.main_metric(own) != metric:
            fallback.append(model.name)
            chosen = "" if frames.other_frame(column.protocol, own) else column.protocol
        used.setdefault(chosen or own, []).append(model.name)
        value = scores.value(chosen, metric) * column.scale.factor if chosen else math.nan
        headline.cells[(model.name, task)] = HeadlineCell(value, chosen, scores.not_scored)
    if len(used) == 1 and not fallback:
        return column
    per = "; ".join(f"{', '.join(names)}: {p}" for p, names in used.items())
    if fallback:
        headline.notes.append(
            f"{task}: runs disagree on the default protocol ({per}); {column.protocol} is "
            f"used for {', '.join(fallback)}, whose own does not report {metric} (no value "
            "where it reads another coordinate frame)")
    else:
        headline.notes.append(f"{task}: each model is headlined under its own default "
                              f"protocol ({per}), the {metric} of its coordinate frame")
    return replace(column, protocols=tuple(used))


UNRECORDED = "not recorded"
"""The setting shown for a run that did not record the prompt setting its task has."""


def _settings(headline: Headline, models: Sequence[ModelScores],
              column: HeadlineTask) -> HeadlineTask:
    """``column`` labelled with its prompt settings; a note when the models differ."""
    by_model = {m.name: m.tasks[column.task].prompt_setting for m in models
                if column.task in m.tasks}
    if not any(by_model.values()):
        return column
    used: dict[str, list[str]] = {}
    for name, setting in by_model.items():
        used.setdefault(setting or UNRECORDED, []).append(name)
    if len(used) > 1:
        per = "; ".join(f"{', '.join(names)}: {s}" for s, names in used.items())
        headline.notes.append(
            f"{column.task}: the models were run with different prompt settings ({per}); "
            "their scores are not comparable across settings")
    return replace(column, settings=tuple(used))


def _cover(headline: Headline, modality: Modality) -> None:
    columns = headline.tasks_of(modality)
    eligible = tuple(c.task for c in columns if c.averaged)
    left_out = [f"{c.task} ({c.metric}, {c.scale.label})" for c in columns if not c.averaged]
    if left_out:
        headline.notes.append(f"{modality}-out average leaves out {', '.join(left_out)}: only "
                              "higher-is-better percentages are averaged")
    for model in headline.models:
        values = {t: headline.cell(model, t).value for t in eligible}
        covered = tuple(t for t in eligible if not math.isnan(values[t]))
        average = (sum(values[t] for t in covered) / len(covered)) if covered else math.nan
        headline.coverage[(model, modality)] = Coverage(modality, average, covered, eligible)
