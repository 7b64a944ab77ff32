"""What every demo writer shares: the generation context and byte-stable file writing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harmonybench.demo.content import item_rng
from harmonybench.demo.render import FontSet
from harmonybench.outputs import write_output


@dataclass(frozen=True)
class Context:
    """Where and how much one demo tree is written.

    Args:
        root: the demo folder; every writer writes under its own sub-folder.
        fonts: the fonts to draw with.
        seed: the demo seed (a non-negative integer).
        count: items per task.
    """

    root: Path
    fonts: FontSet
    seed: int
    count: int

    def rng(self, stream: str, index: int) -> np.random.Generator:
        """The generator of item ``index`` of ``stream`` (see :func:`content.item_rng`)."""
        return item_rng(self.seed, stream, index)


@dataclass(frozen=True)
class Written:
    """What a writer wrote for one task.

    Args:
        data: the path to give the task's loader (an annotation file or a folder).
        images: the image folder to give the loader, or ``None`` when it finds the images
            itself.
        items: how many records, questions or images the annotation holds.
        notes: remarks for the user (what was skipped, and why).
    """

    data: Path
    images: Path | None
    items: int
    notes: tuple[str, ...] = ()


def write_json(path: Path, value: Any) -> Path:
    """Write ``value`` as UTF-8 JSON with sorted keys and a final newline; returns ``path``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    return write_output(path, text + "\n", what="demo data")


def write_lines(path: Path, lines: Iterable[str], *, bom: bool = False) -> Path:
    """Write ``lines`` as UTF-8 text, each ended by ``\\n`` (a BOM first if asked)."""
    text = "".join(f"{line}\n" for line in lines)
    return write_output(path, ("\ufeff" if bom else "") + text, what="demo data")
