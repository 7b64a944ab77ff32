"""What ``harmonybench run`` checks before it does any work.

A mistake on the command line should cost one line and exit status 2 at once, not a run that
loads a model, journals every sample as failed or unsupported and prints ``0.00``:

- :func:`check_paths`: every ``--data`` path exists (or is shaped like a hub dataset id, which
  the task's loader looks up in the local Hugging Face cache) and every ``--images`` folder is
  a folder;
- :func:`check_declared_kinds`: before the adapter is built (no weights loaded), each task's
  request kind is among those the adapter class declares for its ``--model-arg`` values
  (:meth:`~harmonybench.model.ModelAdapter.declared_kinds`; ``compose`` asks its parts);
- :func:`check_served_kinds`: once it is built, before any data is read, the adapter
  :meth:`~harmonybench.model.ModelAdapter.supports` each task's kind (an adapter may serve fewer
  kinds than its class declares, e.g. ``ocr-qa`` with an engine that reads no regions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harmonybench.errors import HarmonyBenchError
from harmonybench.registries import TASKS
from harmonybench.schema import REQUEST_KINDS, RequestKind

if TYPE_CHECKING:
    from harmonybench.model import ModelAdapter
    from harmonybench.runner import RunConfig, TaskInput

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
"""``owner/name``: what a hub dataset id looks like (the loaders resolve it offline)."""
_FILE_SUFFIXES = frozenset({".json", ".jsonl", ".parquet", ".csv", ".tsv", ".xlsx"})


class UnservedTaskError(HarmonyBenchError):
    """A task asks for a request kind the model adapter does not serve."""


def could_be_hub_id(path: Path) -> bool:
    """Whether a path that does not exist may name a dataset in the Hugging Face cache."""
    return bool(_HUB_ID.match(str(path))) and path.suffix.lower() not in _FILE_SUFFIXES


def check_paths(tasks: Sequence[TaskInput]) -> None:
    """Every task's ``--data`` path exists and its ``--images`` (when given) is a folder.

    Raises:
        HarmonyBenchError: naming the option, the task and the path.
    """
    for item in tasks:
        if not item.data.exists() and not could_be_hub_id(item.data):
            raise HarmonyBenchError(f"--data {item.name}={item.data}: no such file or folder")
        if item.images is not None and not item.images.is_dir():
            problem = "not a folder" if item.images.exists() else "no such folder"
            raise HarmonyBenchError(f"--images {item.name}={item.images}: {problem}")


def task_kind(name: str) -> RequestKind:
    """The request kind of the task registered as ``name`` (the class is loaded, not built)."""
    kind: RequestKind = TASKS.load(name).kind
    return kind


def _check_kinds(model: str, tasks: Sequence[TaskInput],
                 serves: Callable[[RequestKind], bool]) -> None:
    unserved = [(item.name, task_kind(item.name)) for item in tasks]
    unserved = [(name, kind) for name, kind in unserved if not serves(kind)]
    if not unserved:
        return
    served = [repr(k) for k in REQUEST_KINDS if serves(k)]
    what = ", ".join(f"{name} ({kind!r} requests)" for name, kind in unserved)
    offer = f"serves only {', '.join(served)} requests" if served else "serves no requests"
    raise UnservedTaskError(
        f"--model {model} cannot run task{'s' if len(unserved) > 1 else ''} {what}: {model} "
        f"{offer} (leave the task out of --tasks, or run it with another model)")


def check_declared_kinds(adapter_cls: type[ModelAdapter], config: RunConfig) -> None:
    """Before the adapter is built: its class declares every task's request kind.

    Raises:
        UnservedTaskError: naming each task that cannot be served, its kind and the kinds
            the adapter serves.
    """
    declared = adapter_cls.declared_kinds(config.model_args)
    _check_kinds(config.model, config.tasks, lambda kind: kind in declared)


def check_served_kinds(adapter: ModelAdapter, config: RunConfig) -> None:
    """Once the adapter is built, before any data is read: it supports every task's kind.

    Raises:
        UnservedTaskError: as :func:`check_declared_kinds`.
    """
    _check_kinds(config.model, config.tasks, adapter.supports)


def check_inputs(adapter_cls: type[ModelAdapter], config: RunConfig) -> None:
    """Every check that needs no built adapter: paths, then declared request kinds."""
    check_paths(config.tasks)
    check_declared_kinds(adapter_cls, config)
