"""Name -> implementation lookup for tasks, model adapters and protocols.

Built-in implementations are listed here as import strings (nothing is imported until asked);
third-party plugins add theirs through the entry-point groups ``harmonybench.tasks``,
``harmonybench.models``, ``harmonybench.protocols``, ``harmonybench.dataset_protocols`` and
``harmonybench.readers`` (value ``"package.module:Class"``; see
:mod:`harmonybench.registries`).
There is no global mutable registry: every lookup reads the built-in table and the installed
distributions' entry points afresh.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from harmonybench.errors import RegistryError

T = TypeVar("T")


def _import_string(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Registry(Generic[T]):
    """An immutable table of built-ins plus one entry-point group.

    Args:
        kind: what it holds, for messages ("task", "model", "protocol").
        group: the entry-point group third-party plugins register under.
        builtins: ``(name, "module:attr")`` pairs.
    """

    kind: str
    group: str
    builtins: tuple[tuple[str, str], ...]

    def targets(self) -> dict[str, str]:
        """Every registered name and its import string, built-ins first, sorted by name."""
        table = dict(self.builtins)
        for ep in entry_points(group=self.group):
            if ep.name in table and table[ep.name] != ep.value:
                # A plugin never silently replaces a built-in protocol or task.
                continue
            table[ep.name] = ep.value
        return dict(sorted(table.items()))

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return list(self.targets())

    def load(self, name: str) -> T:
        """Import and return the class (or factory) registered as ``name``."""
        table = self.targets()
        if name not in table:
            known = ", ".join(table) or "none"
            raise RegistryError(f"unknown {self.kind} {name!r}; known: {known}")
        try:
            obj: T = _import_string(table[name])
        except Exception as exc:  # a broken plugin is reported, not raised raw
            raise RegistryError(
                f"{self.kind} {name!r} ({table[name]}) failed to load: {exc}"
            ) from exc
        return obj

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return name in self.targets()
