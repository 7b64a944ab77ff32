"""The AnyText-format annotation files (``test1k.json``, ``edit_gt.json``), read and checked.

The layout and the rules (sample ids, ``*`` in captions, optional fields, where the ground-truth
images are) are described in :mod:`harmonybench.tasks.anytext`. Both AnyText tasks read their
ground truth with :func:`read_anytext_file`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
from harmonybench.prompt_rules import PLACE_HOLDER
from harmonybench.tasks.imageout_common import known_subset
from harmonybench.tasks.records import Rec, json_type, read_document

ANYTEXT_SUBSETS: tuple[str, ...] = ("laion_word", "wukong_word")
"""AnyText-benchmark's halves: English (laion_word) and Chinese (wukong_word)."""


@dataclass(frozen=True)
class AnyTextItem:
    """One record of an AnyText-format file, checked."""

    rec: Rec
    img_name: str
    caption: str
    lines: tuple[Mapping[str, Any], ...]


def find_json(path: str | Path, name: str, what: str) -> Path:
    """``path`` if it is a file, else ``path/name``.

    Raises:
        DataError: neither exists.
    """
    source = Path(path).expanduser()
    if source.is_file():
        return source
    if source.is_dir():
        if (source / name).is_file():
            return source / name
        raise DataError(source, f"holds no {name} ({what})")
    raise DataError(source, "no such file or folder")


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _polygon(rec: Rec, field: str, value: Any) -> list[list[float | int]]:
    if not isinstance(value, list):
        raise rec.error(f"expected a list of [x, y] points, got {json_type(value)}", field)
    points: list[list[float | int]] = []
    for j, point in enumerate(value):
        if not (isinstance(point, list) and len(point) == 2 and all(_number(c) for c in point)):
            raise rec.error(f"point {j} is {point!r}, expected [x, y] numbers", field)
        points.append([point[0], point[1]])
    if 0 < len(points) < 3:
        raise rec.error(f"a polygon needs at least 3 points, got {len(points)}", field)
    return points


def _annotation(rec: Rec, k: int, value: Any) -> dict[str, Any]:
    field = f"annotations[{k}]"
    if not isinstance(value, Mapping):
        raise rec.error(f"expected an object, got {json_type(value)}", field)
    if "polygon" not in value:
        raise rec.error("missing field", f"{field}.polygon")
    polygon = _polygon(rec, f"{field}.polygon", value["polygon"])
    text = value.get("text")
    if not isinstance(text, str):
        raise rec.error(f"expected a string, got {json_type(text)}", f"{field}.text")
    line: dict[str, Any] = {"text": text, "polygon": polygon}
    valid = value.get("valid")
    if valid is not None:
        if not isinstance(valid, bool):
            raise rec.error(f"expected true or false, got {json_type(valid)}", f"{field}.valid")
        line["valid"] = valid
    pos = value.get("pos")
    if pos is not None:
        if not isinstance(pos, int) or isinstance(pos, bool) or not 0 <= pos <= 8:
            raise rec.error(f"expected a grid cell 0-8, got {pos!r}", f"{field}.pos")
        line["pos"] = pos
    language = value.get("language")
    if language is not None:
        if not isinstance(language, str):
            raise rec.error(f"expected a string, got {json_type(language)}",
                            f"{field}.language")
        line["language"] = language
    return line


def read_anytext_file(file: Path) -> tuple[Any, list[AnyTextItem]]:
    """``(data_root or None, items)`` of an AnyText-format JSON file, checked.

    Raises:
        DataError: naming the file, the record and the field of the first problem; an
            ``img_name`` given twice.
    """
    doc = read_document(file)
    value = doc.value
    if doc.kind != "json" or not isinstance(value, Mapping) or "data_list" not in value:
        raise DataError(file, "expected AnyText's {'data_root': ..., 'data_list': [...]}",
                        field="data_list")
    data_root = value.get("data_root")
    if data_root is not None and not isinstance(data_root, str):
        raise DataError(file, f"expected a folder path, got {json_type(data_root)}",
                        field="data_root")
    items: list[AnyTextItem] = []
    seen: dict[str, str] = {}
    for rec in doc.records(value["data_list"]):
        img_name = rec.text("img_name").strip()
        if not img_name:
            raise rec.error("empty image name", "img_name")
        if img_name in seen:
            raise rec.error(f"{img_name!r} appears more than once (also {seen[img_name]}); "
                            "it is the sample id", "img_name")
        seen[img_name] = rec.where
        caption = rec.text("caption").replace(PLACE_HOLDER, " ")
        raw = rec.data.get("annotations")
        if raw is None:
            lines: tuple[Mapping[str, Any], ...] = ()
        elif isinstance(raw, list):
            lines = tuple(_annotation(rec, k, a) for k, a in enumerate(raw))
        else:
            raise rec.error(f"expected a list of annotations, got {json_type(raw)}",
                            "annotations")
        items.append(AnyTextItem(rec, img_name, caption, lines))
    return data_root, items


def gt_image_root(file: Path, data_root: str | None, images: str | Path | None) -> Path:
    """Where ground-truth images are: ``images``, else ``data_root``, ``imgs/``, the folder."""
    if images is not None:
        return Path(images).expanduser()
    base = file.parent
    if data_root:
        root = Path(data_root).expanduser()
        root = root if root.is_absolute() else base / root
        if root.is_dir():
            return root
    if (base / "imgs").is_dir():
        return base / "imgs"
    return base


def anytext_subset(option: str | None, *paths: str | Path | None) -> str | None:
    """The subset: the ``subset`` option, else a folder of :data:`ANYTEXT_SUBSETS` in a path."""
    if option:
        return option
    return known_subset(list(paths), ANYTEXT_SUBSETS)
