"""``harmonybench list tasks|protocols|models``: what is registered, one line each."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from harmonybench.errors import RegistryError
from harmonybench.registries import MODELS, PROTOCOLS, READERS, TASKS


class Kind(str, Enum):
    """What to list."""

    tasks = "tasks"
    protocols = "protocols"
    models = "models"
    readers = "readers"


def _line(name: str, text: str) -> str:
    return f"{name:<22} {text}"


def task_lines() -> list[str]:
    """One line per task: name, summary, default protocol."""
    lines = []
    for name in TASKS.names():
        try:
            cls = TASKS.load(name)
        except RegistryError as exc:
            lines.append(_line(name, f"(unavailable: {exc})"))
            continue
        lines.append(_line(name, f"{cls.summary} [{cls.kind}; default protocol "
                                 f"{cls.default_protocol}; protocols {', '.join(cls.protocols)}]"))
    return lines


def protocol_lines() -> list[str]:
    """One line per protocol: name, summary, metric."""
    lines = []
    for name in PROTOCOLS.names():
        try:
            cls = PROTOCOLS.load(name)
        except RegistryError as exc:
            lines.append(_line(name, f"(unavailable: {exc}; install harmonybench[all])"))
            continue
        lines.append(_line(name, f"{cls.summary} [metric {cls.metric}]"))
    return lines


def model_lines() -> list[str]:
    """One line per model adapter: name, summary, request kinds it serves."""
    lines = []
    for name in MODELS.names():
        try:
            cls = MODELS.load(name)
        except RegistryError as exc:
            lines.append(_line(name, f"(unavailable: {exc}; install harmonybench[all])"))
            continue
        summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        kinds = ", ".join(sorted(cls.kinds))
        lines.append(_line(name, f"{summary} [{kinds}]"))
    return lines


def reader_lines() -> list[str]:
    """One line per OCR reader the image-out tasks can use (``--task-arg TASK:reader=NAME``)."""
    lines = []
    for name in READERS.names():
        try:
            cls = READERS.load(name)
        except RegistryError as exc:
            lines.append(_line(name, f"(unavailable: {exc}; install harmonybench[all])"))
            continue
        doc = (cls.__doc__ or "").strip().splitlines()
        lines.append(_line(name, doc[0] if doc else ""))
    return lines


def list_command(
    kind: Annotated[Kind, typer.Argument(help="tasks, protocols, models or readers")],
) -> None:
    """List the registered tasks, protocols, model adapters or OCR readers."""
    lines = {Kind.tasks: task_lines, Kind.protocols: protocol_lines,
             Kind.models: model_lines, Kind.readers: reader_lines}[kind]()
    typer.echo("\n".join(lines) if lines else f"no {kind.value} registered")
