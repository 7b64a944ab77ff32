"""Published numbers (``results/paper/*.csv``) and their comparison with measured runs.

A CSV file holds one published number per row, with these columns (in this order)::

    paper,model,task,subset,protocol,metric,value,source,notes

- ``paper``: whose table it is (``TextMonkey``, ``AnyText``...);
- ``model``: the model as the table names it;
- ``task``: the harmonybench task name (``textvqa``, ``ocrbench``, ``anytext-t2i``...);
- ``subset``: the benchmark subset when the table reports one (``laion_word`` = AnyText-benchmark
  English, ``wukong_word`` = Chinese); empty for the whole benchmark;
- ``protocol``/``metric``: the harmonybench protocol whose rule the paper's scorer follows, and
  the metric's name in that protocol's output;
- ``value``: fractions in [0, 1] (percentages divided by 100), counts as they are (OCRBench
  ``score`` out of 1000), FID and CLIPScore as they are;
- ``source``: repository, file with commit, and table (required on every row);
- ``notes``: anything else (split, footnote marks, which OCR reader the paper used).

Lines that start with ``#`` are comments; a field may not span lines.

:func:`compare_with_paper` puts measured values beside published ones. A measured model is
linked to the published model named by its spec's ``published`` key, else to a published model
of the same name (case-insensitive). A published number is compared only when the run scored
the same task, subset, protocol and metric; every other published number of a linked model is
listed with the reason it was not compared.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from harmonybench.errors import DataError
from harmonybench.leaderboard import ModelScores
from harmonybench.meaning import MetricMeanings
from harmonybench.scales import scale_for

COLUMNS: tuple[str, ...] = (
    "paper", "model", "task", "subset", "protocol", "metric", "value", "source", "notes",
)
REQUIRED: tuple[str, ...] = ("paper", "model", "task", "protocol", "metric", "value", "source")


@dataclass(frozen=True)
class Published:
    """One published number (``value`` as stored: fraction, count or FID)."""

    paper: str
    model: str
    task: str
    subset: str
    protocol: str
    metric: str
    value: float
    source: str
    notes: str
    file: str
    line: int
    decimals: int | None = None
    """Digits after the point in the CSV's ``value`` (the published precision); ``None``:
    written with an exponent."""

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        """What makes a row unique within the published numbers."""
        return (self.paper, self.model, self.task, self.subset, self.protocol, self.metric)


def default_paper_dir() -> Path:
    """The shipped ``results/paper`` folder (package data of ``harmonybench.results``)."""
    return Path(str(resources.files("harmonybench.results") / "paper"))


def _check_value(path: Path, record: str, row: dict[str, str],
                 meanings: MetricMeanings) -> float:
    text = row["value"]
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, f"{text!r} is not a number", record=record,
                        field="value") from None
    if not math.isfinite(value):
        raise DataError(path, f"{text!r} is not a finite number", record=record, field="value")
    unit = meanings.info(row["task"], row["protocol"], row["metric"]).unit
    if unit == "count":
        if value < 0 or value != int(value):
            raise DataError(path, f"{text!r}: a {row['metric']} count must be a whole "
                            "number >= 0", record=record, field="value")
    elif unit == "fraction":
        if not 0.0 <= value <= 1.0:
            raise DataError(path, f"{text!r} is not a fraction in [0, 1] (store 61.8% as "
                            "0.618)", record=record, field="value")
    elif value < 0:
        raise DataError(path, f"{text!r}: a {row['metric']} value cannot be negative",
                        record=record, field="value")
    return value


def _decimals(text: str) -> int | None:
    """How many digits follow the point in a plain decimal number (``"0.613"`` -> 3)."""
    if "e" in text.lower():
        return None
    return len(text.partition(".")[2])


def agrees(measured: float, row: Published) -> bool:
    """Whether ``measured`` (stored units) rounds to the published value at its precision
    (61.254% agrees with a published 0.613; without a known precision: exactly equal)."""
    if row.decimals is None:
        return measured == row.value
    return round(measured, row.decimals) == round(row.value, row.decimals)


def load_paper_csv(path: str | Path, meanings: MetricMeanings | None = None) -> list[Published]:
    """Read and check one CSV file of published numbers.

    A value is checked against its metric's declared unit (``meanings``, the installed
    protocols' and tasks' declarations by default; :mod:`harmonybench.meaning`).

    Raises:
        DataError: naming the file, the line and the field of the first bad row: a wrong
            header, an empty required field, a value that is not a number of the metric's
            scale, or a row given twice.
    """
    file = Path(path).expanduser()
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(file, f"cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(file, f"is not UTF-8 text: {exc.reason}") from exc
    header: list[str] | None = None
    rows: list[Published] = []
    seen: dict[tuple[str, ...], int] = {}
    lookup = meanings or MetricMeanings()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line]))
        record = f"line {number}"
        if header is None:
            if tuple(c.strip() for c in cells) != COLUMNS:
                raise DataError(file, f"the header must be {','.join(COLUMNS)}", record=record)
            header = list(COLUMNS)
            continue
        if len(cells) != len(COLUMNS):
            raise DataError(file, f"has {len(cells)} fields, expected {len(COLUMNS)}",
                            record=record)
        row = {k: v.strip() for k, v in zip(COLUMNS, cells, strict=True)}
        for key in REQUIRED:
            if not row[key]:
                raise DataError(file, "must not be empty", record=record, field=key)
        value = _check_value(file, record, row, lookup)
        item = Published(row["paper"], row["model"], row["task"], row["subset"],
                         row["protocol"], row["metric"], value, row["source"], row["notes"],
                         str(file), number, _decimals(row["value"]))
        if item.key in seen:
            raise DataError(file, f"repeats line {seen[item.key]} (same paper, model, task, "
                            "subset, protocol and metric)", record=record)
        seen[item.key] = number
        rows.append(item)
    if header is None:
        raise DataError(file, f"has no header line ({','.join(COLUMNS)})")
    return rows


def load_published(paths: Iterable[str | Path] | None = None) -> list[Published]:
    """Published numbers from CSV files and folders of them (default: the shipped ones).

    Raises:
        DataError: a bad file, or a row that two files both give.
    """
    files: list[Path] = []
    for path in ([default_paper_dir()] if paths is None else paths):
        p = Path(path).expanduser()
        if p.is_dir():
            files.extend(sorted(p.glob("*.csv")))
        elif p.is_file():
            files.append(p)
        else:
            raise DataError(p, "is neither a CSV file nor a folder of them")
    rows: list[Published] = []
    seen: dict[tuple[str, ...], Published] = {}
    meanings = MetricMeanings()
    for file in files:
        for row in load_paper_csv(file, meanings):
            if row.key in seen:
                first = seen[row.key]
                raise DataError(file, f"repeats {first.file} line {first.line}",
                                record=f"line {row.line}")
            seen[row.key] = row
            rows.append(row)
    return rows


@dataclass(frozen=True)
class PaperRow:
    """A measured value beside a published one (display units: percent, count, FID)."""

    model: str
    published_model: str
    paper: str
    task: str
    subset: str
    protocol: str
    metric: str
    scale: str
    measured: float
    published: float
    delta: float
    source: str
    notes: str
    agrees: bool = False
    """Measured rounds to published at the published precision (:func:`agrees`)."""


@dataclass(frozen=True)
class NotCompared:
    """A published number of a linked model that was not compared, and why."""

    model: str
    published_model: str
    paper: str
    task: str
    subset: str
    protocol: str
    metric: str
    reason: str


@dataclass
class PaperComparison:
    """Measured beside published: compared rows, the rest with reasons, unlinked models."""

    rows: list[PaperRow] = field(default_factory=list)
    not_compared: list[NotCompared] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The compared rows as a DataFrame."""
        columns = list(PaperRow.__dataclass_fields__)
        return pd.DataFrame([asdict(r) for r in self.rows], columns=columns)

    def to_json(self) -> dict[str, Any]:
        """Everything, for ``--format json``."""
        return {"compared": [asdict(r) for r in self.rows],
                "not_compared": [asdict(r) for r in self.not_compared],
                "unlinked_models": self.unlinked}


def _why_not(model: ModelScores, row: Published) -> str | None:
    scores = model.tasks.get(row.task)
    if scores is None:
        return f"task {row.task} was not measured"
    if row.subset and scores.subset != row.subset:
        measured = scores.subset or "unknown (name it with 'subset' in run.json or the data path)"
        return f"subset differs: published {row.subset}, measured {measured}"
    if row.protocol not in scores.protocols:
        measured = ", ".join(sorted(scores.protocols)) or "none"
        return (f"protocol differs: published under {row.protocol}, measured under "
                f"{measured}")
    if row.metric not in scores.protocols[row.protocol]:
        return f"the run's {row.protocol} scores have no metric {row.metric}"
    if math.isnan(scores.value(row.protocol, row.metric)):
        return "the run scored no sample"
    return None


def compare_with_paper(models: Sequence[ModelScores],
                       published: Sequence[Published]) -> PaperComparison:
    """Measured values beside the published ones of each model's linked published model."""
    result = PaperComparison()
    for model in models:
        link = (model.published or model.name).casefold()
        mine = [p for p in published if p.model.casefold() == link]
        if not mine:
            result.unlinked.append(model.name)
            continue
        for row in mine:
            reason = _why_not(model, row)
            if reason is not None:
                result.not_compared.append(NotCompared(
                    model.name, row.model, row.paper, row.task, row.subset, row.protocol,
                    row.metric, reason))
                continue
            scores = model.tasks[row.task]
            stored = scores.protocols[row.protocol][row.metric]
            scale = scale_for(scores.info(row.protocol, row.metric))
            measured = float(stored) * scale.factor
            value = row.value * scale.factor
            result.rows.append(PaperRow(
                model.name, row.model, row.paper, row.task, row.subset, row.protocol,
                row.metric, scale.label, measured, value, measured - value, row.source,
                row.notes, agrees(float(stored), row)))
    return result


def to_markdown(comparison: PaperComparison) -> str:
    """Compared rows, then the published numbers not compared with their reasons."""
    from harmonybench.board_formats import markdown_table, md_text
    from harmonybench.scales import show_value

    rows = [[r.model, r.published_model, r.paper, r.task + (f"/{r.subset}" if r.subset else ""),
             f"{r.protocol} · {r.metric} ({r.scale})", show_value(r.measured, r.scale),
             show_value(r.published, r.scale), show_value(r.delta, r.scale, sign=True),
             "yes" if r.agrees else "no", r.source] for r in comparison.rows]
    out = ["## Published numbers beside measured ones", "",
           "Compared only where task, subset, protocol and metric match; "
           "delta = measured - published; agrees: measured rounds to the published value at "
           "its printed precision.", "",
           markdown_table(["model", "published as", "paper", "task", "protocol · metric",
                           "measured", "published", "delta", "agrees", "source"], rows,
                          [False] * 5 + [True] * 3 + [False] * 2), ""]
    if comparison.not_compared:
        skipped = [[n.model, n.paper, n.task + (f"/{n.subset}" if n.subset else ""),
                    f"{n.protocol} · {n.metric}", n.reason] for n in comparison.not_compared]
        out += ["### Published numbers not compared", "",
                markdown_table(["model", "paper", "task", "protocol · metric", "why"], skipped),
                ""]
    if comparison.unlinked:
        names = md_text(", ".join(comparison.unlinked))
        out += [f"No published numbers for: {names} (link a model with `published:` in the "
                "spec).", ""]
    return "\n".join(out)
