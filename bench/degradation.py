"""How much a unified model loses against specialists, per task and per output modality.

A spec file (YAML) names the models, their runs and their roles::

    title: TextHarmony vs specialists        # optional, the HTML page's title
    models:
      - name: TextHarmony
        run: runs/textharmony-vqa            # or runs: [a, b] (different tasks)
        role: unified                        # unified | text-specialist | image-specialist
        reference: Monkey                    # optional: the model to compare against
        published: TextHarmony               # optional: the model's name in results/paper
        about: One model for both outputs.   # optional: a sentence the leaderboard shows
      - name: Monkey
        run: runs/monkey
        role: text-specialist

Run paths are relative to the spec file's folder.

For every unified model and every task it scored, the reference is the model named by
``reference`` or, by default, the best specialist of the task's output modality (role
``text-specialist`` for text-out tasks, ``image-specialist`` for image-out tasks) on that task,
by the task's default-protocol main metric (best = highest, or lowest for a metric declared
lower-is-better, :mod:`harmonybench.meaning`; ties go to the model listed first). Each model's
value is its headline value (:mod:`harmonybench.headline`): the main metric under its own
default protocol, so that models answering in different coordinate frames are each read in
their own (the row's note names the reference's protocol when it differs). Then, with ``u``
the unified model's value and ``r`` the reference's::

    degradation % = 100 * (r - u) / |r|     for higher-is-better metrics
    degradation % = 100 * (u - r) / |r|     for lower-is-better metrics (FID)

so a positive degradation means the unified model is worse and a negative one that it is
better. The per-modality mean degradation is the plain mean over the unified model's tasks of
that modality that have a degradation. A task without a reference value, or whose reference
value is 0, has none (``NaN``) and says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
import yaml

from harmonybench.board_runs import (
    ROLES,
    SPECIALIST_ROLE,
    ModelScores,
    Role,
    find_runs,
    load_run,
    merge_runs,
    models_from_runs,
    task_sort_key,
)
from harmonybench.errors import DataError
from harmonybench.headline import Headline, HeadlineTask, build_headline
from harmonybench.safeload import yaml_load

SPEC_KEYS: tuple[str, ...] = ("name", "run", "runs", "role", "reference", "published",
                              "about")
TOP_KEYS: tuple[str, ...] = ("models", "title")


@dataclass(frozen=True)
class SpecEntry:
    """One model of a spec file (run paths resolved against the spec's folder)."""

    name: str
    runs: tuple[Path, ...]
    role: Role
    reference: str | None = None
    published: str | None = None
    about: str | None = None


@dataclass(frozen=True)
class Spec:
    """A parsed spec file."""

    path: Path
    models: tuple[SpecEntry, ...]
    title: str | None = None


def _string(path: Path, record: str, key: str, value: object, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, f"{value!r} is not a non-empty string", record=record, field=key)
    return value.strip()


def _entry(path: Path, index: int, raw: object, names: Mapping[str, int]) -> SpecEntry:
    record = f"models[{index}]"
    if not isinstance(raw, Mapping):
        raise DataError(path, "a model entry must be a mapping (name, run or runs, role)",
                        record=record)
    name = raw.get("name")
    if isinstance(name, str) and name.strip():
        record = f"models[{index}] ({name.strip()})"
    for key in raw:
        if key not in SPEC_KEYS:
            raise DataError(path, f"unknown key; expected one of {', '.join(SPEC_KEYS)}",
                            record=record, field=str(key))
    clean = _string(path, record, "name", name, optional=False)
    assert clean is not None
    if clean in names:
        raise DataError(path, f"the name is already used by models[{names[clean]}]",
                        record=record, field="name")
    role = raw.get("role")
    if role not in ROLES:
        raise DataError(path, f"{role!r} is not one of {', '.join(ROLES)}", record=record,
                        field="role")
    if ("run" in raw) == ("runs" in raw):
        raise DataError(path, "give exactly one of 'run' (a path) or 'runs' (a list of paths)",
                        record=record, field="run")
    if "run" in raw:
        given: list[object] = [raw["run"]]
        key = "run"
    else:
        key = "runs"
        if not isinstance(raw["runs"], list) or not raw["runs"]:
            raise DataError(path, "must be a non-empty list of run folders", record=record,
                            field="runs")
        given = list(raw["runs"])
    runs = []
    for item in given:
        text = _string(path, record, key, item, optional=False)
        assert text is not None
        run = (path.parent / Path(text).expanduser()).resolve()
        if not run.exists():
            raise DataError(path, f"run folder {run} does not exist", record=record, field=key)
        runs.append(run)
    reference = _string(path, record, "reference", raw.get("reference"), optional=True)
    if reference is not None and role != "unified":
        raise DataError(path, "only a unified model has a reference", record=record,
                        field="reference")
    if reference == clean:
        raise DataError(path, "a model cannot be its own reference", record=record,
                        field="reference")
    published = _string(path, record, "published", raw.get("published"), optional=True)
    about = _string(path, record, "about", raw.get("about"), optional=True)
    return SpecEntry(clean, tuple(runs), cast(Role, role), reference, published, about)


def load_spec(path: str | Path) -> Spec:
    """Read and check a spec file.

    Raises:
        DataError: naming the file, the entry (``models[2] (Monkey)``) and the field.
    """
    spec_path = Path(path).expanduser()
    try:
        data = yaml_load(spec_path.read_text(encoding="utf-8"), spec_path)
    except OSError as exc:
        raise DataError(spec_path, f"cannot be read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise DataError(spec_path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                        record=where) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("models"), list) \
            or not data["models"]:
        raise DataError(spec_path, "must be a mapping with a non-empty 'models' list",
                        field="models")
    for key in data:
        if key not in TOP_KEYS:
            raise DataError(spec_path, f"unknown key; expected {' or '.join(TOP_KEYS)}",
                            field=str(key))
    title = _string(spec_path, "top level", "title", data.get("title"), optional=True)
    names: dict[str, int] = {}
    entries = []
    for index, raw in enumerate(data["models"]):
        entry = _entry(spec_path, index, raw, names)
        names[entry.name] = index
        entries.append(entry)
    for index, entry in enumerate(entries):
        if entry.reference is not None and entry.reference not in names:
            raise DataError(spec_path, f"no model is named {entry.reference!r}",
                            record=f"models[{index}] ({entry.name})", field="reference")
    return Spec(spec_path, tuple(entries), title)


def models_from_spec(spec: Spec, extra_runs: Sequence[str | Path] = ()) -> list[ModelScores]:
    """The spec's models (in its order), then models from ``extra_runs`` (no role)."""
    models = []
    for entry in spec.models:
        runs = [load_run(folder) for run in entry.runs for folder in find_runs(run)]
        models.append(merge_runs(entry.name, runs, role=entry.role, reference=entry.reference,
                                 published=entry.published, about=entry.about))
    taken = {m.name for m in models}
    for model in models_from_runs(extra_runs):
        if model.name in taken:
            raise DataError(model.runs[0].path, f"model name {model.name!r} is also in the "
                            f"spec {spec.path}; list this run in the spec instead")
        models.append(model)
    return models


# -- degradation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DegradationRow:
    """One (unified model, task): values in display units, degradation in percent."""

    model: str
    modality: str
    task: str
    protocol: str
    metric: str
    scale: str
    lower_is_better: bool
    reference: str | None
    value: float
    reference_value: float
    delta: float
    degradation: float
    note: str = ""


@dataclass(frozen=True)
class ModalityMean:
    """A unified model's mean degradation over its tasks of one modality."""

    model: str
    modality: str
    mean: float
    tasks: tuple[str, ...]


@dataclass
class Degradation:
    """Every unified model's degradation per task and per modality."""

    rows: list[DegradationRow] = field(default_factory=list)
    means: list[ModalityMean] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """Per-task rows as a DataFrame (one row per unified model and task)."""
        columns = [f.name for f in DegradationRow.__dataclass_fields__.values()]
        return pd.DataFrame([asdict(r) for r in self.rows], columns=columns)

    def means_frame(self) -> pd.DataFrame:
        """Per-modality means as a DataFrame."""
        return pd.DataFrame([{"model": m.model, "modality": m.modality, "mean": m.mean,
                              "tasks": ", ".join(m.tasks)} for m in self.means],
                            columns=["model", "modality", "mean", "tasks"])

    def to_json(self) -> dict[str, Any]:
        """Rows and means, ``null`` for NaN."""
        def clean(row: Mapping[str, Any]) -> dict[str, Any]:
            return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in row.items()}
        return {"rows": [clean(asdict(r)) for r in self.rows],
                "means": [clean({**asdict(m), "tasks": list(m.tasks)}) for m in self.means]}


def _find(models: Sequence[ModelScores], name: str) -> ModelScores | None:
    return next((m for m in models if m.name == name), None)


def _best_specialist(models: Sequence[ModelScores], headline: Headline,
                     column: HeadlineTask) -> ModelScores | None:
    role = SPECIALIST_ROLE[column.modality]
    best: tuple[float, ModelScores] | None = None
    for model in models:
        value = headline.cell(model.name, column.task).value
        if model.role != role or math.isnan(value):
            continue
        if best is None or (value < best[0] if column.lower_is_better else value > best[0]):
            best = (value, model)
    return best[1] if best else None


def degradation_percent(value: float, reference: float, lower: bool) -> float:
    """``100 * (r - u) / |r|`` (``(u - r)`` when lower is better); NaN when ``r`` is 0."""
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return math.nan
    change = (reference - value) if not lower else (value - reference)
    return 100.0 * change / abs(reference)


def compute_degradation(models: Sequence[ModelScores]) -> Degradation:
    """Degradation of every unified model in ``models`` (see the module docstring)."""
    headline = build_headline(models)
    columns = {t.task: t for t in headline.tasks}
    result = Degradation()
    for model in models:
        if model.role != "unified":
            continue
        for task in sorted(model.tasks, key=lambda t: (model.tasks[t].modality != "text",
                                                       task_sort_key(t))):
            if task in columns:
                result.rows.append(_row(models, headline, model, columns[task]))
        for modality in ("text", "image"):
            rows = [r for r in result.rows if r.model == model.name and r.modality == modality
                    and not math.isnan(r.degradation)]
            if rows:
                result.means.append(ModalityMean(
                    model.name, modality, sum(r.degradation for r in rows) / len(rows),
                    tuple(r.task for r in rows)))
    return result


def _row(models: Sequence[ModelScores], headline: Headline, model: ModelScores,
         column: HeadlineTask) -> DegradationRow:
    task, metric = column.task, column.metric
    own = headline.cell(model.name, task)
    protocol = own.protocol or column.protocol
    note = ""
    if model.reference is not None:
        reference = _find(models, model.reference)
        if reference is None:
            note = f"reference {model.reference!r} is not loaded"
    else:
        reference = _best_specialist(models, headline, column)
        if reference is None:
            note = f"no {SPECIALIST_ROLE[column.modality]} scored {task} under {metric}"
    ref_value = math.nan
    if reference is not None:
        ref_cell = headline.cell(reference.name, task)
        ref_value = ref_cell.value
        if math.isnan(ref_value):
            note = f"the reference {reference.name} has no {metric} on {task}"
        elif ref_value == 0:
            note = "the reference value is 0 (relative change undefined)"
        elif ref_cell.protocol not in ("", protocol):
            note = (f"each read in its own coordinate frame: the reference under "
                    f"{ref_cell.protocol}")
    if math.isnan(own.value) and not note:
        note = f"{model.name} scored no sample of {task}"
    return DegradationRow(
        model=model.name, modality=column.modality, task=task, protocol=protocol,
        metric=metric, scale=column.scale.label, lower_is_better=column.lower_is_better,
        reference=reference.name if reference is not None else None,
        value=own.value, reference_value=ref_value, delta=own.value - ref_value,
        degradation=degradation_percent(own.value, ref_value, column.lower_is_better),
        note=note)


def _show(value: float, sign: bool = False) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:+.2f}" if sign else f"{value:.2f}"


def to_markdown(result: Degradation) -> str:
    """The degradation rows and the per-modality means as markdown."""
    from harmonybench.board_formats import markdown_table
    from harmonybench.scales import show_value

    header = ["model", "modality", "task", "degradation %", "value", "reference value",
              "delta", "reference", "protocol · metric", "note"]
    rows = [[r.model, f"{r.modality}-out", r.task, _show(r.degradation, True),
             show_value(r.value, r.scale), show_value(r.reference_value, r.scale),
             show_value(r.delta, r.scale, sign=True), r.reference or "–",
             f"{r.protocol} · {r.metric} ({r.scale})", r.note] for r in result.rows]
    right = [False] * 3 + [True] * 4 + [False] * 3
    means = [[m.model, f"{m.modality}-out", _show(m.mean, True), ", ".join(m.tasks)]
             for m in result.means]
    return "\n".join([
        "## Degradation of unified models", "",
        "degradation % = 100 x (reference - value) / |reference| (reversed for lower-is-better "
        "metrics): positive = the unified model is worse.", "",
        markdown_table(header, rows, right), "", "### Mean degradation per output modality", "",
        markdown_table(["model", "modality", "mean degradation %", "over tasks"], means,
                       [False, False, True, False]), ""])
