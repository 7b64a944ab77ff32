"""Image-out benchmark files written in code: AnyText-benchmark, TextHarmony editing, MARIO-Eval.

Every writer lays a benchmark out on disk the way its release does, with small images that
really show the texts (drawn with :func:`draw_texts` in the DejaVu Sans font matplotlib ships,
so an OCR reader can read them back), and returns the path to give ``task.load``:

- :func:`write_anytext` -> ``<folder>/benchmark/<subset>/test1k.json`` with ``imgs/`` beside
  it (tyxsspa/AnyText ``eval/anytext_singleGPU.py`` format: ``data_root`` + ``data_list`` of
  ``img_name``, ``caption``, ``annotations`` with ``polygon``, ``text``, ``language``,
  ``valid``, ``pos``).
- :func:`write_textharmony_edit` -> ``<folder>/edit_gt.json`` (AnyText's format without
  ``data_root``), ``<folder>/edit_annt.json`` (TextHarmony's instruction list), ground-truth
  images in ``<folder>/imgs/`` and, with ``masked=True``, the masked inputs in
  ``<folder>/edit_images/<stem>_mask.jpg`` (named in ``edit_annt.json`` by the authors'
  absolute path, which does not exist here, as in the release).
- :func:`write_mario` -> ``<folder>/MARIOEval`` with ``<Subset>/<Subset>.txt`` prompt files
  and, for the subsets that have them, ``<Subset>/images/<i>.jpg``.

``items`` is a number of default records, or a sequence of mappings that override fields of
the default record at that position (:data:`DROP` removes a field). Default AnyText records
are distinct and valid: record ``i`` is ``img_name = f"{1253546 + i:09d}.jpg"`` with one or
two text lines from :data:`WORDS` in axis-aligned boxes on a 512x512 canvas, and a caption
that mentions the first word in lower case.

:func:`draw_texts` (also used by the tests' image-out adapter, and reusable by the demo)
draws each text into its polygon: the polygon's minimum-area rectangle, corners ordered as
AnyText's crop orders them, the text fitted to 90% of its width and 75% of its height and
mapped onto the rectangle with an affine warp, so rotated polygons get rotated text.

Example::

    from imagedata import write_anytext, write_mario, draw_texts, box
    path = write_anytext(tmp_path, 2)                 # 2 records, GT images in imgs/
    samples = get_task("anytext-t2i").load(path)
    image = draw_texts(["WINNER"], [box(60, 100, 300, 160)])
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont


class _Drop(Enum):
    DROP = "drop"


DROP = _Drop.DROP
"""An override value that removes the field from the record."""

CANVAS = 512
"""Side of AnyText's and MARIO-Eval's images."""

WORDS: tuple[str, ...] = (
    "WINNER", "Harmony", "OPEN", "2024", "Summer", "coffee", "SALE", "Bench", "River", "Lucky",
)
"""Words the default records render (all read correctly by RapidOCR and Tesseract)."""

Items = int | Sequence[Mapping[str, Any]]
Polygon = list[list[float]]

__all__ = [
    "CANVAS",
    "DROP",
    "WORDS",
    "anytext_record",
    "box",
    "draw_texts",
    "layout_boxes",
    "write_anytext",
    "write_mario",
    "write_textharmony_edit",
]


@lru_cache(maxsize=1)
def _font_path() -> str:
    from matplotlib import font_manager

    return str(font_manager.findfont("DejaVu Sans", fallback_to_default=True))


@lru_cache(maxsize=256)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_font_path(), size)


def box(left: float, top: float, right: float, bottom: float) -> Polygon:
    """An axis-aligned box as a polygon ``[tl, tr, br, bl]``."""
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def layout_boxes(count: int, size: tuple[int, int] = (CANVAS, CANVAS)) -> list[Polygon]:
    """``count`` full-width boxes stacked from the top (for texts without polygons)."""
    width, height = size
    step = height / max(count, 1) / 1.5
    return [box(0.06 * width, 0.1 * height + i * 1.5 * step,
                0.94 * width, 0.1 * height + i * 1.5 * step + step) for i in range(count)]


def _rectangle(polygon: Sequence[Sequence[float]]) -> np.ndarray:
    """tl, tr, br, bl of the polygon's min-area rectangle (ordered as AnyText's crop)."""
    import cv2

    corners = cv2.boxPoints(cv2.minAreaRect(np.asarray(polygon, dtype=np.float32)))
    by_x = sorted(corners.tolist(), key=lambda p: p[0])
    top_left, bottom_left = sorted(by_x[:2], key=lambda p: p[1])
    top_right, bottom_right = sorted(by_x[2:], key=lambda p: p[1])
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype=np.float64)


def _fitted(text: str, width: int, height: int, color: Any) -> Image.Image:
    """``text`` centred on a transparent ``width`` x ``height`` tile, as large as it fits."""
    tile = Image.new("RGBA", (max(width, 1), max(height, 1)), (0, 0, 0, 0))
    if not text.strip():
        return tile
    low, high = 4, max(4, height)
    while low < high:
        mid = (low + high + 1) // 2
        left, top, right, bottom = _font(mid).getbbox(text)
        if right - left <= 0.9 * width and bottom - top <= 0.75 * height:
            low = mid
        else:
            high = mid - 1
    face = _font(low)
    left, top, right, bottom = face.getbbox(text)
    x = (width - (right - left)) / 2 - left
    y = (height - (bottom - top)) / 2 - top
    ImageDraw.Draw(tile).text((x, y), text, font=face, fill=color)
    return tile


def draw_texts(
    texts: Sequence[str],
    polygons: Sequence[Sequence[Sequence[float]]],
    size: tuple[int, int] = (CANVAS, CANVAS),
    *,
    base: Image.Image | None = None,
    background: Any = (250, 248, 240),
    fill: Any | None = None,
    color: Any = (20, 20, 20),
    frame: tuple[int, int] | None = None,
) -> Image.Image:
    """Draw each text into its polygon; returns an RGB image.

    Args:
        texts: the texts, one per polygon.
        polygons: ``[[x, y], ...]`` in pixels of ``frame`` (default: the image's size).
        size: the image size when there is no ``base``.
        base: draw on a copy of this image instead of a plain canvas.
        background: the canvas colour.
        fill: paint each polygon's rectangle with this colour first (editing: cover the mask).
        color: the text colour.
        frame: the ``(width, height)`` the polygons are given in; scaled to the image.
    """
    image = base.convert("RGB").copy() if base is not None else Image.new("RGB", size, background)
    scale = np.array([1.0, 1.0])
    if frame is not None:
        scale = np.array([image.width / frame[0], image.height / frame[1]])
    for text, polygon in zip(texts, polygons, strict=True):
        corners = _rectangle(np.asarray(polygon, dtype=np.float64) * scale)
        top_left, top_right, _, bottom_left = corners
        width = float(np.linalg.norm(top_right - top_left))
        height = float(np.linalg.norm(bottom_left - top_left))
        if width < 2 or height < 2:
            continue
        if fill is not None:
            ImageDraw.Draw(image).polygon([tuple(p) for p in corners.tolist()], fill=fill)
        tile = _fitted(text, round(width), round(height), color)
        forward = np.array([
            [(top_right - top_left)[0] / tile.width, (bottom_left - top_left)[0] / tile.height,
             top_left[0]],
            [(top_right - top_left)[1] / tile.width, (bottom_left - top_left)[1] / tile.height,
             top_left[1]],
            [0.0, 0.0, 1.0],
        ])
        inverse = np.linalg.inv(forward)
        warped = tile.transform(image.size, Image.Transform.AFFINE,
                                tuple(inverse[:2].reshape(-1).tolist()),
                                resample=Image.Resampling.BILINEAR)
        image.paste(warped, (0, 0), warped)
    return image


# ----------------------------------------------------------------------------- AnyText


def _apply(default: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    record = dict(default)
    for key, value in override.items():
        if value is DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def anytext_record(i: int) -> dict[str, Any]:
    """The default record ``i``: one line (two for odd ``i``) of :data:`WORDS` in boxes."""
    first = WORDS[i % len(WORDS)]
    annotations = [{"polygon": box(60, 90 + 10 * (i % 3), 420, 170 + 10 * (i % 3)),
                    "text": first, "language": "Latin", "valid": True, "pos": 1}]
    if i % 2:
        second = WORDS[(i + 3) % len(WORDS)]
        annotations.append({"polygon": box(120, 330, 400, 400), "text": second,
                            "language": "Latin", "valid": True, "pos": 7})
    return {"img_name": f"{1253546 + i:09d}.jpg",
            "caption": f"a poster that says {first.lower()} in big letters",
            "annotations": annotations}


def _records(items: Items) -> list[dict[str, Any]]:
    if isinstance(items, int):
        return [anytext_record(i) for i in range(items)]
    return [_apply(anytext_record(i), item) for i, item in enumerate(items)]


def _lines(record: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    texts, polygons = [], []
    for annotation in record.get("annotations") or []:
        if not isinstance(annotation, Mapping):
            continue
        polygon = annotation.get("polygon")
        if (isinstance(polygon, list) and len(polygon) >= 3
                and isinstance(annotation.get("text"), str)
                and all(isinstance(p, list) and len(p) == 2 for p in polygon)):
            texts.append(annotation["text"])
            polygons.append(polygon)
    return texts, polygons


def _write_image(record: Mapping[str, Any], path: Path) -> None:
    texts, polygons = _lines(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    draw_texts(texts, polygons).save(path, quality=95)


def write_anytext(
    folder: Path,
    items: Items = 2,
    *,
    subset: str = "laion_word",
    images: bool = True,
    data_root: str | _Drop | None = None,
) -> Path:
    """Write ``benchmark/<subset>/test1k.json`` and its ground-truth images.

    Args:
        folder: where the ``benchmark`` folder goes.
        items: records (see the module docstring).
        subset: the subset folder name (``laion_word`` or ``wukong_word``).
        images: draw each record's image into ``imgs/``.
        data_root: the ``data_root`` value; ``None`` writes the absolute ``imgs/`` path,
            :data:`DROP` leaves the key out.

    Returns:
        The ``test1k.json`` path.
    """
    root = folder / "benchmark" / subset
    imgs = root / "imgs"
    imgs.mkdir(parents=True, exist_ok=True)
    records = _records(items)
    document: dict[str, Any] = {"data_list": records}
    if data_root is not DROP:
        document = {"data_root": str(imgs) if data_root is None else data_root, **document}
    if images:
        for record in records:
            name = record.get("img_name")
            if isinstance(name, str) and name:
                _write_image(record, imgs / name)
    path = root / "test1k.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- editing

_AUTHORS_ROOT = "/ATA_Benchmark/image_benchmark/AnyText_Benchmark/AnyText-benchmark/benchmark"


def write_textharmony_edit(
    folder: Path,
    items: Items = 2,
    *,
    annt: bool = True,
    masked: bool = False,
    images: bool = True,
    instructions: Sequence[str | None] | None = None,
) -> Path:
    """Write ``edit_gt.json`` (+ ``edit_annt.json``), the GT images and masked inputs.

    Default records have one line each (the even records of :func:`anytext_record`).

    Args:
        folder: where the files go.
        items: records; overrides apply to single-line default records.
        annt: write ``edit_annt.json``.
        masked: draw masked inputs (the polygon painted black) into ``edit_images/``.
        images: draw the ground-truth images into ``imgs/``.
        instructions: replace the instruction of record ``i`` (``None`` keeps it).

    Returns:
        The ``edit_gt.json`` path.
    """
    defaults = [anytext_record(2 * i) for i in range(items if isinstance(items, int)
                                                     else len(items))]
    records = defaults if isinstance(items, int) else [
        _apply(d, o) for d, o in zip(defaults, items, strict=True)]
    folder.mkdir(parents=True, exist_ok=True)
    gt = folder / "edit_gt.json"
    gt.write_text(json.dumps({"data_list": records}), encoding="utf-8")
    entries = []
    for i, record in enumerate(records):
        name = str(record.get("img_name", f"{i}.jpg"))
        stem = Path(name).stem
        texts, polygons = _lines(record)
        text = texts[0] if texts else ""
        sentence = f'Fill the masked part in this image with "{text}".'
        if instructions is not None and instructions[i] is not None:
            sentence = str(instructions[i])
        entries.append({
            "sentences": [sentence, ""],
            "images": [f"{_AUTHORS_ROOT}/laion_word/edit_images/{stem}_mask.jpg",
                       "TextHarmony/docs/examples/all_zero.jpg"],
            "sentence_ixs": [0, 1], "image_first": [True, True],
            "generate_mode": "generate_images", "num_iter": 1,
        })
        if images:
            _write_image(record, folder / "imgs" / name)
        if masked:
            picture = draw_texts(texts, polygons)
            for polygon in polygons:
                ImageDraw.Draw(picture).polygon([tuple(p) for p in polygon], fill=(0, 0, 0))
            path = folder / "edit_images" / f"{stem}_mask.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            picture.save(path, quality=95)
    if annt:
        (folder / "edit_annt.json").write_text(json.dumps(entries), encoding="utf-8")
    return gt


# ----------------------------------------------------------------------------- MARIO-Eval

MARIO_PROMPTS: Mapping[str, tuple[str, ...]] = {
    "LAIONEval4000": ("A sign that says 'Hello World'", "a poster of 'Summer Sale' in red",
                      "'OPEN' written on a door"),
    "DrawBenchText": ("A storefront with 'Lucky River' written on it",
                      "a cake with the words 'Happy 2024'"),
}
"""Default prompts per subset (LAIONEval4000 gets ground-truth images)."""


def write_mario(
    folder: Path,
    subsets: Mapping[str, Sequence[str]] | None = None,
    *,
    images: bool = True,
    with_images: Sequence[str] = ("TMDBEval500", "OpenLibraryEval500", "LAIONEval4000"),
) -> Path:
    """Write ``MARIOEval/<Subset>/<Subset>.txt`` files and GT images ``images/<i>.jpg``.

    Args:
        folder: where ``MARIOEval`` goes.
        subsets: prompts per subset (default :data:`MARIO_PROMPTS`); a prompt may be any
            line, blank lines included.
        images: draw ground-truth images for the subsets in ``with_images``.
        with_images: the subsets that ship images.

    Returns:
        The ``MARIOEval`` folder.
    """
    import re

    root = folder / "MARIOEval"
    for subset, prompts in (subsets or MARIO_PROMPTS).items():
        sub = root / subset
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{subset}.txt").write_text("".join(f"{p}\n" for p in prompts), encoding="utf-8")
        if images and subset in with_images:
            for i, prompt in enumerate(prompts):
                spans = [s for s in re.findall(r"'(.*?)'", prompt) if s.strip()]
                path = sub / "images" / f"{i}.jpg"
                path.parent.mkdir(parents=True, exist_ok=True)
                draw_texts(spans, layout_boxes(len(spans))).save(path, quality=95)
    return root
