"""The PaddleOCR label and JSON / JSON Lines formats of
:mod:`harmonybench.tasks.perception_data` (described there), and the test that tells JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from harmonybench.errors import DataError
from harmonybench.safeload import json_loads
from harmonybench.schema import ImageRef
from harmonybench.tasks.perception_regions import (
    DONT_CARE,
    PADDLE_DONT_CARE,
    ImageAnnotation,
    Point,
    Region,
    RegionKind,
    sized,
)
from harmonybench.tasks.perception_text import (
    check_points,
    numbered_lines,
)
from harmonybench.tasks.records import Rec, image_root, json_type, plain_value, read_document


def is_paddle_label(first_line: str) -> bool:
    """Whether a line looks like PaddleOCR's ``path<TAB>[...]`` detection label."""
    head, sep, rest = first_line.partition("\t")
    return bool(sep) and bool(head.strip()) and rest.lstrip().startswith("[")


def _number_list(value: Any) -> list[float] | None:
    """A flat list of finite numbers from ``[x, y, ...]`` or ``[[x, y], ...]``, or ``None``."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if all(isinstance(v, (list, tuple)) for v in value):
        if any(len(v) != 2 for v in value):
            return None
        flat = [c for v in value for c in v]
    else:
        flat = list(value)
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in flat):
        return None
    numbers = [float(c) for c in flat]
    return numbers if all(math.isfinite(c) for c in numbers) else None


def region_from_value(value: Any, kind_hint: Literal["polygon", "box"]) -> tuple[
        RegionKind, tuple[Point, ...]] | str:
    """A region from JSON coordinates, or the reason it is unusable.

    ``box``: exactly ``[x1, y1, x2, y2]`` (or two ``[x, y]`` corners). ``polygon``: 3 points
    or more (``[[x, y], ...]`` or flat); 4 flat numbers are read as a box.
    """
    numbers = _number_list(value)
    if numbers is None:
        return f"expected a list of finite coordinates, got {_short(value)}"
    if len(numbers) % 2:
        return f"an odd number of coordinates ({len(numbers)})"
    points = tuple(zip(numbers[0::2], numbers[1::2], strict=True))
    nested = all(isinstance(v, (list, tuple)) for v in value)
    kind: RegionKind
    if kind_hint == "box" or (len(numbers) == 4 and not nested):
        if len(numbers) != 4:
            return f"a box needs 4 numbers [x1, y1, x2, y2], got {len(numbers)}"
        kind = "box"
    else:
        kind = "polygon"
    problem = check_points(points, kind)
    return problem if problem is not None else (kind, points)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_paddle_label(path: Path, images: str | Path | None) -> list[ImageAnnotation]:
    """A PaddleOCR detection label file (see the module docstring).

    Raises:
        DataError: a line without a tab, JSON that does not parse, or a bad instance.
    """
    root = image_root(path, images)
    out = []
    for index, (number, line) in enumerate(numbered_lines(path)):
        where = f"line {number}"
        head, sep, rest = line.partition("\t")
        if not sep or not head.strip():
            raise DataError(path, "expected 'image_path<TAB>[...]'", record=where)
        try:
            items = json_loads(rest, path, record=where)
        except json.JSONDecodeError as exc:
            raise DataError(path, f"the label is not valid JSON: {exc.msg} (column "
                                  f"{exc.colno + len(head) + 1})", record=where) from exc
        if not isinstance(items, list):
            raise DataError(path, f"expected a JSON list of instances, got {json_type(items)}",
                            record=where)
        regions: list[Region] = []
        for k, item in enumerate(items):
            label = f"[{k}]"
            if not isinstance(item, Mapping):
                raise DataError(path, f"expected an object, got {json_type(item)}",
                                record=where, field=label)
            text = item.get("transcription")
            if not isinstance(text, str):
                raise DataError(path, f"expected a string, got {json_type(text)}",
                                record=where, field=f"{label}.transcription")
            found = region_from_value(item.get("points"), "polygon")
            if isinstance(found, str):
                raise DataError(path, found, record=where, field=f"{label}.points")
            kind, points = found
            regions.append(Region(text=text, kind=kind, points=points,
                                  ignore=text in PADDLE_DONT_CARE))
        rel = Path(head.strip()).expanduser()
        ref = ImageRef(path=str(rel if rel.is_absolute() else root / rel), name=head.strip())
        width, height = sized(path, where, ref, None, None, "image")
        out.append(ImageAnnotation(
            path=path, where=where, id=str(index), image=ref, regions=tuple(regions),
            width=width, height=height, source="paddleocr",
            region_where=tuple(f"{where}, [{k}]" for k in range(len(regions))),
        ))
    return out


# ----------------------------------------------------------------------------- JSON

_JSON_KEYS = frozenset({"image", "image_path", "id", "width", "height", "instances"})


def json_size(rec: Rec) -> tuple[float | None, float | None]:
    """``width`` and ``height`` of a JSON record: both or neither, positive numbers."""
    values: list[float | None] = []
    for key in ("width", "height"):
        if not rec.has(key):
            values.append(None)
            continue
        value = rec.data[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or float(value) <= 0:
            raise rec.error(f"expected a positive number, got {_short(value)}", key)
        values.append(float(value))
    if (values[0] is None) != (values[1] is None):
        raise rec.error("give both width and height, or neither",
                        "height" if values[1] is None else "width")
    return values[0], values[1]


def json_image(rec: Rec, root: Path) -> ImageRef:
    """The ``image`` (or ``image_path``) of a JSON record, resolved against ``root``."""
    key = rec.pick("image", "image_path") or "image"
    text = rec.text(key)
    if not text.strip():
        raise rec.error("empty image path", key)
    rel = Path(text).expanduser()
    return ImageRef(path=str(rel if rel.is_absolute() else root / rel), name=text)


def json_region(rec: Rec, item: Any, label: str) -> Region:
    """One instance of a JSON record's ``instances``.

    Raises:
        DataError: not an object, no text, no usable ``polygon``/``box``, a non-boolean
            ``ignore``.
    """
    if not isinstance(item, Mapping):
        raise rec.error(f"expected an object, got {json_type(item)}", label)
    text_key = "text" if "text" in item else "transcription"
    text = item.get(text_key)
    if not isinstance(text, str):
        raise rec.error(f"expected a string, got {json_type(text)}", f"{label}.{text_key}")
    if "polygon" in item:
        region_key: Literal["polygon", "box"] = "polygon"
    elif "box" in item:
        region_key = "box"
    else:
        raise rec.error("an instance needs a 'polygon' or a 'box'", label)
    found = region_from_value(item[region_key], region_key)
    if isinstance(found, str):
        raise rec.error(found, f"{label}.{region_key}")
    ignore = item.get("ignore", False)
    if not isinstance(ignore, bool):
        raise rec.error(f"expected true or false, got {_short(ignore)}", f"{label}.ignore")
    kind, points = found
    return Region(text=text, kind=kind, points=points, ignore=ignore or text == DONT_CARE)


def json_records(path: Path) -> list[Rec]:
    """The records of a JSON list or JSON Lines file.

    Raises:
        DataError: unparsable, or not a list of objects.
    """
    doc = read_document(path)
    records = doc.record_list()
    if records is None:
        if isinstance(doc.value, Mapping):
            return [Rec(path, "record 0", doc.value, 0)]
        raise DataError(path, f"expected a list of records, got {json_type(doc.value)}")
    return records


def record_id(rec: Rec) -> tuple[str, str | None]:
    """The record's ``id`` (an integer or a non-empty string) and its field, or its
    position."""
    if rec.has("id"):
        return rec.ident("id"), "id"
    return str(rec.index), None


def annotation_from_json(rec: Rec, root: Path) -> ImageAnnotation:
    """An image-level JSON record (``instances`` required).

    Raises:
        DataError: a missing or malformed field.
    """
    ident, _ = record_id(rec)
    ref = json_image(rec, root)
    items = rec.require("instances")
    if not isinstance(items, (list, tuple)):
        raise rec.error(f"expected a list of instances, got {json_type(items)}", "instances")
    regions = tuple(json_region(rec, item, f"instances[{k}]") for k, item in enumerate(items))
    width, height = json_size(rec)
    width, height = sized(rec.path, rec.where, ref, width, height,
                           rec.pick("image", "image_path") or "image")
    metadata = {k: v for k in rec.data if k not in _JSON_KEYS
                and (v := plain_value(rec.data[k])) is not None}
    return ImageAnnotation(
        path=rec.path, where=rec.where, id=ident, image=ref, regions=regions, width=width,
        height=height, source="json", metadata=metadata,
        region_where=tuple(f"{rec.where}, instances[{k}]" for k in range(len(regions))),
    )



def looks_like_json(path: Path) -> bool:
    """Whether the file's first non-blank character opens a JSON array or object."""
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8-sig", "replace").lstrip()
    return head[:1] in {"[", "{"}
