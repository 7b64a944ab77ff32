"""The text-file annotation formats of :mod:`harmonybench.tasks.perception_data`: ICDAR and
MARIO lines, one file per image or a folder of them (the formats are described there)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef, as_path
from harmonybench.tasks.perception_regions import (
    DONT_CARE,
    IMAGE_SUFFIXES,
    ImageAnnotation,
    Point,
    Region,
    RegionKind,
    SourceFormat,
    sized,
)

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


def check_points(points: Sequence[Point], kind: RegionKind) -> str | None:
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


def numbered_lines(path: Path) -> list[tuple[int, str]]:
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
    lines = numbered_lines(path)
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
        problem = check_points(region.points, region.kind)
        if problem is not None:
            raise DataError(path, problem, record=where, field="coordinates")
        regions.append(region)
        wheres.append(where)
    return fmt, regions, wheres



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


def _from_text_file(path: Path, image: Path, image_id: str) -> ImageAnnotation:
    fmt, regions, wheres = read_region_lines(path)
    ref = ImageRef(path=str(image), name=image.name)
    width, height = sized(path, None, ref, None, None, "image")
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



def first_line(path: Path) -> str:
    """The first non-blank line of a text file ("" when there is none)."""
    lines = numbered_lines(path)
    return lines[0][1] if lines else ""
