"""``harmonybench list tasks|protocols|models``: what is registered, one line each."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import typer

from harmonybench.errors import RegistryError
from harmonybench.meaning import MetricTable
from harmonybench.registries import DATASET_PROTOCOLS, MODELS, PROTOCOLS, READERS, TASKS
from harmonybench.registry import Registry


class Kind(str, Enum):
    """What to list."""

    tasks = "tasks"
    protocols = "protocols"
    models = "models"
    readers = "readers"


_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`(~?)([^`<]*?)(?:\s*<[^>]*>)?`")
"""A reST role such as ``:class:`MonkeyModel``` or ``:func:`~harmonybench.x.y```."""


def plain_text(text: str) -> str:
    """``text`` with the reST markup of docstrings removed: roles keep their target
    (``~`` keeps its last dotted part), literals and emphasis lose their quotes."""
    text = _ROLE.sub(lambda m: m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2),
                     text)
    text = re.sub(r"``([^`]+)``", r"\1", text)
    return re.sub(r"(?<![\w`])[`*]([^`*]+)[`*](?![\w`])", r"\1", text)


def _line(name: str, text: str) -> str:
    return f"{name:<22} {plain_text(text)}"


def _lines(registry: Registry[Any], describe: Callable[[Any], str]) -> list[str]:
    """One line per registered name: ``describe(cls)``, or why it cannot be loaded."""
    lines = []
    for name in registry.names():
        try:
            cls = registry.load(name)
        except RegistryError as exc:
            lines.append(_line(name, f"(unavailable: {exc}; install harmonybench[all])"))
            continue
        lines.append(_line(name, describe(cls)))
    return lines


def _first_doc_line(obj: Any) -> str:
    doc = (obj.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


def task_lines() -> list[str]:
    """One line per task: name, summary, request kind and protocols."""
    return _lines(TASKS, lambda cls: f"{cls.summary} [{cls.kind}; default protocol "
                                     f"{cls.default_protocol}; protocols "
                                     f"{', '.join(cls.protocols)}]")


DATASET_LEVEL = "dataset-level"
"""The mark of a dataset-level protocol's line in ``harmonybench list protocols``."""


def main_metric_text(metrics: MetricTable) -> str:
    """``metric NAME (UNIT, higher|lower is better)`` of a declaration table's main metric."""
    for name, info in metrics.items():
        if info.main:
            direction = "higher" if info.higher_is_better else "lower"
            return f"metric {name} ({info.unit}, {direction} is better)"
    return "no main metric"


def protocol_lines() -> list[str]:
    """One line per protocol: name, summary, metric; then the dataset-level protocols (FID,
    CLIPScore, background preservation), marked ``[dataset-level; ...]``."""
    return (_lines(PROTOCOLS, lambda cls: f"{cls.summary} [metric {cls.metric}]")
            + _lines(DATASET_PROTOCOLS, lambda cls: f"{cls.summary} [{DATASET_LEVEL}; "
                                                    f"{main_metric_text(cls.metrics)}]"))


def model_lines() -> list[str]:
    """One line per model adapter: name, summary, request kinds it serves."""
    return _lines(MODELS, lambda cls: f"{_first_doc_line(cls)} "
                                      f"[{', '.join(sorted(cls.kinds))}]")


def reader_lines() -> list[str]:
    """One line per OCR reader the image-out tasks can use (``--task-arg TASK:reader=NAME``)."""
    return _lines(READERS, _first_doc_line)


def list_command(
    kind: Annotated[Kind, typer.Argument(help="tasks, protocols, models or readers")],
) -> None:
    """List the registered tasks, protocols, model adapters or OCR readers."""
    lines = {Kind.tasks: task_lines, Kind.protocols: protocol_lines,
             Kind.models: model_lines, Kind.readers: reader_lines}[kind]()
    typer.echo("\n".join(lines) if lines else f"no {kind.value} registered")
