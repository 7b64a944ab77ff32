"""``generate``: write the demo's data, every task in its benchmark's own format, in code.

The ``harmonybench demo`` command runs the suite offline on data drawn here: no download, no
binary file in the repository. :func:`generate` writes one folder per benchmark family under
``root`` and returns a :class:`DemoData` naming, per task, the path and image folder to give
the task's loader::

    demo = generate(Path("demo-data"), quick=True)
    for task, (data, images) in demo.tasks.items():
        samples = get_task(task).load(data, images)

The tree is deterministic: the same ``quick`` and ``seed`` give the same bytes on every call
on one machine (seeded generators, PNG and JPEG files without timestamps or metadata, JSON with
sorted keys, only relative paths inside the files). Every item is drawn from its own
generator (seed, task, index), so item ``i`` of a task is the same in the quick and the full
tree. Different FreeType, libjpeg or zlib builds may draw or compress a pixel differently, so
two machines may differ byte for byte, never in content.

Sizes: ``quick`` writes :data:`QUICK_COUNT` items per task (a few hundred kilobytes, about a
second to draw), the full demo :data:`FULL_COUNT`. What each folder holds and which reference
format it follows is documented in :mod:`.comprehension`, :mod:`.perception` and
:mod:`.imageout`; ``demo.json`` at the root lists the tasks, their paths and the notes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harmonybench.demo.common import Context, Written, write_json
from harmonybench.demo.comprehension import write_docvqa, write_ocrbench, write_textvqa
from harmonybench.demo.imageout import write_anytext, write_edit, write_mario
from harmonybench.demo.perception import (
    write_detection,
    write_grounding,
    write_textrec,
)
from harmonybench.demo.render import FontSet, find_fonts
from harmonybench.errors import DataError
from harmonybench.safeload import json_loads

QUICK_COUNT = 10
"""Items per task in the quick demo."""

FULL_COUNT = 40
"""Items per task in the full demo."""

MANIFEST = "demo.json"
"""The file at the root of a demo tree that lists its tasks (and marks the folder as ours)."""

FORMAT_VERSION = 1
"""Bumped whenever the generated data changes, so a cached tree is regenerated."""

Writer = Callable[[Context], Written]

WRITERS: Mapping[str, tuple[str, Writer]] = MappingProxyType({
    "textrec": ("textrec", write_textrec),
    "textvqa": ("textvqa", write_textvqa),
    "docvqa": ("docvqa", write_docvqa),
    "ocrbench": ("ocrbench", write_ocrbench),
    "grounding": ("grounding", write_grounding),
    "detection": ("detection", write_detection),
    "anytext-t2i": ("anytext", write_anytext),
    "anytext-edit": ("anytext_edit", write_edit),
    "mario-eval": ("mario", write_mario),
})
"""Task name -> (the folder it writes under the root, its writer), in writing order."""

SHARED: Mapping[str, str] = MappingProxyType({"spotting": "detection"})
"""Tasks that read another task's data (spotting reads the detection ground truth)."""


@dataclass(frozen=True)
class DemoData:
    """The demo tree :func:`generate` wrote.

    Args:
        root: the demo folder.
        tasks: task name -> ``(data path, image folder or None)``, what to pass to the task's
            ``load(path, images)``.
        items: task name -> how many records, questions or images its data holds.
        notes: remarks for the user (e.g. "Chinese lines skipped: no CJK font installed").
        quick: whether this is the quick demo.
        seed: the seed it was drawn with.
    """

    root: Path
    tasks: Mapping[str, tuple[Path, Path | None]]
    items: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()
    quick: bool = False
    seed: int = 0

    def path(self, task: str) -> Path:
        """The data path of ``task``.

        Raises:
            KeyError: the demo has no data for ``task``.
        """
        return self.tasks[task][0]

    def images(self, task: str) -> Path | None:
        """The image folder of ``task`` (``None``: the loader finds the images itself)."""
        return self.tasks[task][1]

    def manifest(self) -> dict[str, Any]:
        """The ``demo.json`` content: paths relative to the root."""
        def rel(path: Path | None) -> str | None:
            return None if path is None else path.relative_to(self.root).as_posix()

        return {
            "format_version": FORMAT_VERSION,
            "generator": "harmonybench.demo.data.generate",
            "quick": self.quick,
            "seed": self.seed,
            "notes": list(self.notes),
            "tasks": {
                name: {"data": rel(data), "images": rel(images), "items": self.items.get(name)}
                for name, (data, images) in self.tasks.items()
            },
        }


def generate(root: Path, *, quick: bool = False, seed: int = 0,
             fonts: FontSet | None = None) -> DemoData:
    """Write the demo data under ``root`` and say where each task's data is.

    ``root`` must be missing, empty or a demo tree written before (it has ``demo.json``); the
    folders of a previous demo are replaced, nothing else in ``root`` is touched.

    Args:
        root: the demo folder.
        quick: write :data:`QUICK_COUNT` items per task instead of :data:`FULL_COUNT`.
        seed: a non-negative integer; every picture and answer is drawn from it.
        fonts: the fonts to draw with (default: :func:`~.render.find_fonts`; tests pass a
            font set without a CJK font to check the fallback).

    Returns:
        The tasks' data paths, item counts and notes.

    Raises:
        DataError: ``root`` is a file, or a folder with other content than a demo tree.
        ValueError: a negative seed.
        FontError: matplotlib (which ships the fonts) is not installed.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"the demo seed must be a non-negative integer, got {seed!r}")
    root = Path(root).expanduser()
    _prepare(root)
    ctx = Context(root=root, fonts=fonts if fonts is not None else find_fonts(), seed=seed,
                  count=QUICK_COUNT if quick else FULL_COUNT)
    tasks: dict[str, tuple[Path, Path | None]] = {}
    items: dict[str, int] = {}
    notes: list[str] = []
    for name, (_, writer) in WRITERS.items():
        written = writer(ctx)
        tasks[name] = (written.data, written.images)
        items[name] = written.items
        notes.extend(written.notes)
    for name, source in SHARED.items():
        tasks[name] = tasks[source]
        items[name] = items[source]
    demo = DemoData(root=root, tasks=MappingProxyType(dict(sorted(tasks.items()))),
                    items=MappingProxyType(dict(sorted(items.items()))), notes=tuple(notes),
                    quick=quick, seed=seed)
    write_json(root / MANIFEST, demo.manifest())
    return demo


def _prepare(root: Path) -> None:
    """Make ``root`` ready: create it, or clear the folders of an earlier demo in it."""
    if root.exists() and not root.is_dir():
        raise DataError(root, "the demo folder is a file")
    if not root.exists():
        root.mkdir(parents=True)
        return
    if not any(root.iterdir()):
        return
    if not (root / MANIFEST).is_file():
        raise DataError(root, f"the demo folder is not empty and holds no {MANIFEST}: choose "
                              "an empty or new folder (nothing here is deleted)")
    for folder, _ in WRITERS.values():
        target = root / folder
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
    (root / MANIFEST).unlink()


def load_manifest(root: Path) -> DemoData:
    """The :class:`DemoData` of a tree :func:`generate` wrote, read from its ``demo.json``.

    Lets the demo command reuse a tree (compare ``format_version``, ``quick`` and ``seed``
    with what it wants before trusting it).

    Raises:
        DataError: no manifest, or one this version cannot read.
    """
    path = Path(root).expanduser() / MANIFEST
    if not path.is_file():
        raise DataError(path, "no such file: not a demo tree")
    try:
        value = json_loads(path.read_text(encoding="utf-8"), path)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(path, f"not valid JSON ({exc})") from exc
    if not isinstance(value, dict) or value.get("format_version") != FORMAT_VERSION:
        found = value.get("format_version") if isinstance(value, dict) else None
        raise DataError(path, f"demo format version {found!r}, expected {FORMAT_VERSION}",
                        field="format_version")
    base = path.parent
    entries = value.get("tasks")
    if not isinstance(entries, dict):
        raise DataError(path, "expected an object of tasks", field="tasks")
    tasks: dict[str, tuple[Path, Path | None]] = {}
    items: dict[str, int] = {}
    for name, entry in sorted(entries.items()):
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), str):
            raise DataError(path, "expected {\"data\": PATH, \"images\": PATH|null}",
                            record=f"task {name}", field="data")
        images = entry.get("images")
        tasks[name] = (base / entry["data"], base / images if isinstance(images, str) else None)
        if isinstance(entry.get("items"), int):
            items[name] = entry["items"]
    notes = value.get("notes", [])
    return DemoData(
        root=base, tasks=MappingProxyType(tasks), items=MappingProxyType(items),
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (),
        quick=bool(value.get("quick", False)), seed=int(value.get("seed", 0)),
    )
