"""Readers of the region annotations the text-perception tasks share (grounding, detection,
spotting): text instances with a polygon or box each, grouped by image.

:func:`load_annotations` reads any of these sources and returns one :class:`ImageAnnotation`
per image, in file order:

- **one annotation file per image** (``.txt``), in one of two line formats, told from the
  first non-blank line (every line of a file must then have that format):

  - *ICDAR* ``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` (ICDAR 2015 Challenge 4
    quadrilaterals) or ``x1,y1,x2,y2,transcription`` (ICDAR 2013 boxes, ``xmin,ymin,xmax,
    ymax``), commas with optional spaces (ICDAR 2013 test: ``38, 43, 920, 215, "Tiredness"``)
    or, consistently, whitespace (ICDAR 2013 train: ``158 128 411 181 "Footpath"``). The
    transcription is the rest of the line; a double-quoted one is unquoted with
    ``\\\\`` -> ``\\`` then ``\\"`` -> ``"`` as the RRC scripts do
    (Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts/spotting_eval/
    rrc_evaluation_funcs_1_1.py`` @794c36d6423c, ``get_tl_line_values``); an unquoted one is
    stripped of surrounding whitespace (the RRC script keeps it, IC15 files have none).
    ``###`` marks a don't-care region. Coordinates may be decimal (the RRC takes integers).
    A box needs ``xmax >= xmin`` and ``ymax >= ymin`` (the RRC's check). A UTF-8 BOM (IC15
    files have one) is skipped. MLT files (``x1,...,y4,script,transcription``) are not
    recognised as such: their script would become part of the transcription.
  - *MARIO* ``WORD x1,y1,x2,y2,x3,y3,x4,y4 [conf]``: MARIO-10M's ``ocr.txt`` (microsoft/unilm
    ``textdiffuser/data/mario-laion-example/*/ocr.txt`` @d38ba06c7b4a), read as TextHarmony's
    ``custom_datasets/all_mixed_dataset.py`` ``_get_ocr`` (bytedance/TextHarmony @f98ac34b206f)
    reads it: the word, a space, the comma-separated vertices (any even count of 6 or more
    numbers; MARIO has 8), and optionally a confidence, kept in the metadata. The
    coordinates are in the image's pixels (MARIO-10M images are 512 x 512); they are kept as
    written (TextHarmony's training answers clamp negative values to 0 and rescale to 448).

- **a folder** of such files, searched recursively: the MARIO-10M layout when it holds
  ``ocr.txt`` files (``<key>/ocr.txt`` next to ``<key>/image.jpg``; the other ``.txt`` files,
  ``caption.txt``, are not annotations), else the ICDAR layout when it holds ``gt_*.txt``
  files (``gt_img_1.txt`` annotates ``img_1.jpg``), else every ``.txt`` file annotates the
  image with its stem. Each image is looked for next to its annotation file, or, with
  ``images``, in the same relative folder under ``images`` (ICDAR 2015 ships
  ``Challenge4_Test_Task1_GT/`` and ``ch4_test_images/`` side by side: pass the latter as
  ``images``), with any of :data:`IMAGE_SUFFIXES` (lower or upper case). Image ids: the
  annotation's relative path without its suffix, without the ``gt_`` prefix, and for
  ``ocr.txt`` the relative folder (``img_1``, ``06269/062692530``).

- **a PaddleOCR label file**: one ``image_path<TAB>[{"transcription": ..., "points":
  [[x, y], ...]}, ...]`` line per image (PaddlePaddle/PaddleOCR
  ``ppocr/data/imaug/label_ops.py`` ``DetLabelEncode`` @606a387354f2: ``"###"`` and ``"*"``
  are don't care). Ids are 0-based line positions among the non-blank lines.

- **JSON or JSON Lines** (told from the content), one record per image::

      {"image": "img_1.jpg", "id": "img_1", "width": 1280, "height": 720,
       "instances": [{"text": "Genaxis", "polygon": [[377, 117], [463, 117], ...]},
                     {"text": "###", "box": [374, 155, 409, 170]},
                     {"text": "EXIT", "polygon": [10, 10, 50, 10, 50, 30, 10, 30],
                      "ignore": true}]}

  ``image`` (or ``image_path``) is required; ``id`` (an integer or a string) defaults to the
  0-based position; ``width``/``height`` are optional (read from the image otherwise);
  ``instances`` is a list (possibly empty) of ``text`` (or ``transcription``) with a
  ``polygon`` (``[[x, y], ...]`` or flat ``[x1, y1, x2, y2, ...]``, 3 points or more) or a
  ``box`` (``[x1, y1, x2, y2]``), and an optional boolean ``ignore``. Other scalar fields of
  the record go into the metadata.

Image paths resolve against ``images`` when given, else the annotation file's folder. The
image's width and height, needed to convert normalised answers to pixels, are read from its
header with PIL when the source does not give them: an image that cannot be read is a
:class:`~harmonybench.errors.DataError` at load time, naming the annotation record.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef, as_path
from harmonybench.tasks.records import Rec, image_root, json_type, plain_value, read_document

IMAGE_SUFFIXES: tuple[str, ...] = (
    ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"
)
"""Image file suffixes looked for next to an annotation file (also upper case)."""

DONT_CARE = "###"
"""The ICDAR transcription of a don't-care region."""
PADDLE_DONT_CARE = frozenset({"###", "*"})
"""PaddleOCR's ``DetLabelEncode`` ignores these transcriptions."""

RegionKind = Literal["polygon", "box"]
Point = tuple[float, float]
SourceFormat = Literal["icdar", "mario", "paddleocr", "json"]

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_QUOTED = re.compile(r'^\s*"(.*)"\s*$')


def _icdar_pattern(count: int, separator: str, text_separator: str) -> re.Pattern[str]:
    numbers = separator.join([f"({_NUM})"] * count)
    return re.compile(rf"^\s*{numbers}(?:{text_separator}(.*))?\s*$")


_ICDAR_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (8, _icdar_pattern(8, r"\s*,\s*", r"\s*,")),
    (8, _icdar_pattern(8, r"\s+", r"\s+")),
    (4, _icdar_pattern(4, r"\s*,\s*", r"\s*,")),
    (4, _icdar_pattern(4, r"\s+", r"\s+")),
)
_MARIO = re.compile(
    rf"^\s*(?P<word>\S.*?)\s+(?P<coords>{_NUM}(?:,{_NUM}){{5,}})(?:\s+(?P<conf>{_NUM}))?\s*$"
)


# ----------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Region:
    """One annotated text instance, in image pixels.

    Attributes:
        text: the transcription (``"###"`` for ICDAR's don't-care regions).
        kind: ``"polygon"`` (3 vertices or more) or ``"box"`` (``x1, y1, x2, y2``).
        points: the vertices, or the box's two corners.
        ignore: whether the region is don't care (never queried, never counted).
        confidence: the annotation's own confidence (MARIO's ``ocr.txt``), if any.
    """

    text: str
    kind: RegionKind
    points: tuple[Point, ...]
    ignore: bool = False
    confidence: float | None = None

    def target(self) -> list[list[float]] | list[float]:
        """The region as ``Sample.target`` holds it: ``[[x, y], ...]`` or ``[x1, y1, x2,
        y2]``."""
        if self.kind == "box":
            (x1, y1), (x2, y2) = self.points
            return [x1, y1, x2, y2]
        return [[x, y] for x, y in self.points]


@dataclass(frozen=True)
class ImageAnnotation:
    """The regions of one image, with where they were read from.

    Attributes:
        path: the annotation file.
        where: the record within the file (``"line 3"``, ``"record 2"``), or ``None`` when the
            whole file annotates this image.
        id: the image id (see the module docstring).
        image: the image.
        regions: the text instances, in file order.
        width: the image width in pixels.
        height: the image height in pixels.
        source: which format the annotation was read from.
        metadata: other scalar fields of a JSON record.
        region_where: how messages name each region (``"line 4"``,
            ``"record 2, instances[1]"``), aligned with ``regions``.
    """

    path: Path
    where: str | None
    id: str
    image: ImageRef
    regions: tuple[Region, ...]
    width: float
    height: float
    source: SourceFormat
    metadata: Mapping[str, Any] = field(default_factory=dict)
    region_where: tuple[str, ...] = ()

    def error(self, problem: str, field: str | None = None) -> DataError:
        """A :class:`DataError` naming this annotation (and ``field``)."""
        return DataError(self.path, problem, record=self.where, field=field)


# ----------------------------------------------------------------------------- line formats


def unquote_transcription(text: str) -> str:
    """An ICDAR transcription as the RRC scripts read it: a double-quoted one loses its quotes
    and has ``\\\\`` then ``\\"`` unescaped (in that order, as the reference does); another
    is stripped of surrounding whitespace."""
    quoted = _QUOTED.match(text)
    if quoted is not None:
        return quoted.group(1).replace("\\\\", "\\").replace('\\"', '"')
    return text.strip()


def parse_icdar_line(line: str) -> tuple[RegionKind, tuple[Point, ...], str] | None:
    """An ICDAR ground-truth line: ``(kind, points, transcription)``, or ``None`` when the line
    is not in that format (8 vertex coordinates, or 4 box coordinates, then the text).

    A box keeps its two corners; whether ``xmax >= xmin`` is checked by the caller.
    """
    for count, pattern in _ICDAR_PATTERNS:
        m = pattern.match(line)
        if m is None:
            continue
        values = [float(v) for v in m.groups()[:count]]
        text = unquote_transcription(m.group(count + 1) or "")
        points = tuple(zip(values[0::2], values[1::2], strict=True))
        return ("polygon" if count == 8 else "box"), points, text
    return None


def parse_mario_line(line: str) -> tuple[str, tuple[Point, ...], float | None] | None:
    """A MARIO ``ocr.txt`` line: ``(word, vertices, confidence)``, or ``None`` when the line is
    not in that format (or has an odd count of coordinates)."""
    m = _MARIO.match(line)
    if m is None:
        return None
    values = [float(v) for v in m.group("coords").split(",")]
    if len(values) % 2:
        return None
    conf = m.group("conf")
    points = tuple(zip(values[0::2], values[1::2], strict=True))
    return m.group("word"), points, (float(conf) if conf is not None else None)


def _check_points(points: Sequence[Point], kind: RegionKind) -> str | None:
    """Why a region's coordinates are unusable, or ``None``."""
    if not all(math.isfinite(v) for p in points for v in p):
        return "coordinates must be finite numbers"
    if kind == "box":
        (x1, y1), (x2, y2) = points
        if x2 < x1 or y2 < y1:
            return f"box {[x1, y1, x2, y2]} has xmax < xmin or ymax < ymin"
    elif len(points) < 3:
        return "a polygon needs 3 points or more"
    return None


def _numbered_lines(path: Path) -> list[tuple[int, str]]:
    """The non-blank lines of a UTF-8 text file (a BOM skipped), numbered from 1."""
    if not path.is_file():
        raise DataError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), start=1)
            if line.strip()]


def read_region_lines(path: Path) -> tuple[SourceFormat, list[Region], list[str]]:
    """The regions of one ICDAR or MARIO annotation file, and where each was read.

    The format is told from the first non-blank line; an empty file has no regions (format
    ``"icdar"``).

    Raises:
        DataError: a line in neither format, a line in the other format than the first, or
            unusable coordinates (naming the line).
    """
    lines = _numbered_lines(path)
    if not lines:
        return "icdar", [], []
    first_number, first = lines[0]
    fmt: SourceFormat
    if parse_icdar_line(first) is not None:
        fmt = "icdar"
    elif parse_mario_line(first) is not None:
        fmt = "mario"
    else:
        raise DataError(
            path, "not an annotation line: expected 'x1,y1,...,x4,y4,transcription' (ICDAR) "
            "or 'WORD x1,y1,...,x4,y4 [conf]' (MARIO)", record=f"line {first_number}",
        )
    regions: list[Region] = []
    wheres: list[str] = []
    for number, line in lines:
        where = f"line {number}"
        if fmt == "icdar":
            icdar = parse_icdar_line(line)
            if icdar is None:
                raise DataError(path, "not an ICDAR line 'x1,y1,...,x4,y4,transcription' like "
                                "the first line", record=where, field="coordinates")
            kind, points, text = icdar
            region = Region(text=text, kind=kind, points=points, ignore=text == DONT_CARE)
        else:
            mario = parse_mario_line(line)
            if mario is None:
                raise DataError(path, "not a MARIO line 'WORD x1,y1,...,x4,y4 [conf]' like the "
                                "first line", record=where, field="coordinates")
            word, points, conf = mario
            region = Region(text=word, kind="polygon", points=points, confidence=conf)
        problem = _check_points(region.points, region.kind)
        if problem is not None:
            raise DataError(path, problem, record=where, field="coordinates")
        regions.append(region)
        wheres.append(where)
    return fmt, regions, wheres


# ----------------------------------------------------------------------------- images


def image_size(ref: ImageRef, error: DataError) -> tuple[float, float]:
    """The image's ``(width, height)`` from its header.

    Raises:
        DataError: ``error`` (with the reason appended) when the image cannot be read.
    """
    from PIL import Image

    try:
        with Image.open(ref.path or "") as img:
            width, height = img.size
    except Exception as exc:  # missing file, not an image
        raise DataError(error.path, f"{error.problem}: {type(exc).__name__}: {exc}",
                        record=error.record, field=error.field) from exc
    return float(width), float(height)


def _find_image(folder: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        for suffix in IMAGE_SUFFIXES:
            for candidate in (folder / f"{name}{suffix}", folder / f"{name}{suffix.upper()}"):
                if candidate.is_file():
                    return candidate
    return None


def _image_names(annotation: Path) -> tuple[str, ...]:
    stem = annotation.stem
    if stem == "ocr":
        return ("image",)
    if stem.startswith("gt_") and len(stem) > 3:
        return (stem[3:], stem)
    return (stem,)


def _image_id(annotation: Path, base: Path) -> str:
    rel = annotation.relative_to(base).with_suffix("")
    if rel.name == "ocr":
        parent = rel.parent.as_posix()
        return parent if parent != "." else "ocr"
    if rel.name.startswith("gt_") and len(rel.name) > 3:
        rel = rel.with_name(rel.name[3:])
    return rel.as_posix()


def _annotation_files(folder: Path) -> list[Path]:
    """The annotation files of a folder layout (see the module docstring), sorted."""
    for pattern in ("ocr.txt", "gt_*.txt", "*.txt"):
        found = sorted(p for p in folder.rglob(pattern) if p.is_file())
        if found:
            return found
    raise DataError(folder, "no annotation files (*.txt) in this folder")


def _sized(ann_path: Path, where: str | None, ref: ImageRef,
           width: float | None, height: float | None, field: str) -> tuple[float, float]:
    if width is not None and height is not None:
        return width, height
    return image_size(ref, DataError(ann_path, f"cannot read the size of image "
                                               f"{ref.describe()}", record=where, field=field))


def _from_text_file(path: Path, image: Path, image_id: str) -> ImageAnnotation:
    fmt, regions, wheres = read_region_lines(path)
    ref = ImageRef(path=str(image), name=image.name)
    width, height = _sized(path, None, ref, None, None, "image")
    return ImageAnnotation(path=path, where=None, id=image_id, image=ref,
                           regions=tuple(regions), width=width, height=height, source=fmt,
                           region_where=tuple(wheres))


def read_folder(folder: Path, images: str | Path | None) -> list[ImageAnnotation]:
    """One annotation per annotation file of ``folder`` (see the module docstring).

    Raises:
        DataError: no annotation files, an annotation without its image, or a bad line.
    """
    root = as_path(images) if images is not None else None
    out = []
    for annotation in _annotation_files(folder):
        look_in = (root / annotation.parent.relative_to(folder)) if root else annotation.parent
        names = _image_names(annotation)
        image = _find_image(look_in, names)
        if image is None and root is not None:
            image = _find_image(root, names)
        if image is None:
            raise DataError(
                annotation, f"no image for this annotation: looked for "
                f"{' or '.join(names)} with suffix {'/'.join(IMAGE_SUFFIXES)} in {look_in}",
            )
        out.append(_from_text_file(annotation, image, _image_id(annotation, folder)))
    return out


def read_single_file(path: Path, images: str | Path | None) -> ImageAnnotation:
    """One annotation file for one image (the image found as for a folder).

    Raises:
        DataError: the image is missing, or a bad line.
    """
    look_in = as_path(images) if images is not None else path.parent
    names = _image_names(path)
    image = _find_image(look_in, names)
    if image is None:
        raise DataError(path, f"no image for this annotation: looked for {' or '.join(names)} "
                              f"with suffix {'/'.join(IMAGE_SUFFIXES)} in {look_in}")
    return _from_text_file(path, image, "0")


# ----------------------------------------------------------------------------- PaddleOCR


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
    problem = _check_points(points, kind)
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
    for index, (number, line) in enumerate(_numbered_lines(path)):
        where = f"line {number}"
        head, sep, rest = line.partition("\t")
        if not sep or not head.strip():
            raise DataError(path, "expected 'image_path<TAB>[...]'", record=where)
        try:
            items = json.loads(rest)
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
        width, height = _sized(path, where, ref, None, None, "image")
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
    width, height = _sized(rec.path, rec.where, ref, width, height,
                           rec.pick("image", "image_path") or "image")
    metadata = {k: v for k in rec.data if k not in _JSON_KEYS
                and (v := plain_value(rec.data[k])) is not None}
    return ImageAnnotation(
        path=rec.path, where=rec.where, id=ident, image=ref, regions=regions, width=width,
        height=height, source="json", metadata=metadata,
        region_where=tuple(f"{rec.where}, instances[{k}]" for k in range(len(regions))),
    )


# ----------------------------------------------------------------------------- dispatch


def looks_like_json(path: Path) -> bool:
    """Whether the file's first non-blank character opens a JSON array or object."""
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8-sig", "replace").lstrip()
    return head[:1] in {"[", "{"}


def first_line(path: Path) -> str:
    """The first non-blank line of a text file ("" when there is none)."""
    lines = _numbered_lines(path)
    return lines[0][1] if lines else ""


def load_annotations(path: str | Path, images: str | Path | None = None) -> list[
        ImageAnnotation]:
    """Every image annotation of a file or folder in one of the formats of this module.

    Args:
        path: a folder of annotation files, one annotation file, a PaddleOCR label file, or
            a JSON/JSON Lines file of image records.
        images: where images resolve (see the module docstring).

    Raises:
        DataError: a missing path, an unknown format, or a bad record (naming the file,
            the record and the field).
    """
    source = as_path(path)
    if source.is_dir():
        return read_folder(source, images)
    if not source.is_file():
        raise DataError(source, "no such file or folder")
    if looks_like_json(source):
        root = image_root(source, images)
        return [annotation_from_json(rec, root) for rec in json_records(source)]
    if is_paddle_label(first_line(source)):
        return read_paddle_label(source, images)
    return [read_single_file(source, images)]


def iter_regions(annotation: ImageAnnotation) -> Iterator[tuple[int, Region, str]]:
    """``(index, region, where)`` for each region of ``annotation``."""
    wheres = annotation.region_where or tuple("" for _ in annotation.regions)
    for index, (region, where) in enumerate(zip(annotation.regions, wheres, strict=True)):
        yield index, region, where
