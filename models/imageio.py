"""What the image-out adapters share: a request's texts and polygons, output names and files.

**Output files** (the image-out contract shared with the tasks): an adapter answers a ``t2i`` or
``edit`` request with ``Output(images=(path_0, ..., path_{k-1}))``, the ``k`` images it wrote
under ``context.image_dir``, named ``{sample_id}_{k}.png`` with every character of the sample id
outside ``[A-Za-z0-9._-]`` replaced by ``_`` (:func:`image_name`). Two ids that differ only in
such characters (``a/b`` and ``a_b``) therefore share file names; the contract accepts that, and
the benchmarks supported here have no such pair of ids. :func:`write_images` writes each file
under a temporary name and renames it into place, so an interrupted run never leaves a
half-written image under a final name. :func:`copy_image` copies a file generated elsewhere byte
for byte (keeping its own extension: a replayed JPEG stays the same JPEG).

**Targets** (:func:`text_targets`): the texts to render and their polygons, from the request's
``metadata``: ``texts`` + ``polygons`` (lists in the same order), or an edit request's single
``text`` + ``polygon``; ``width``/``height`` name the canvas the polygon coordinates are in
(AnyText's 512x512). :func:`scale_polygon` maps them to another image size.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonybench.errors import ImageError
from harmonybench.schema import Request

if TYPE_CHECKING:
    from PIL import Image

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

Point = tuple[float, float]
Polygon = tuple[Point, ...]


class RequestError(ValueError):
    """A request an image-out adapter cannot serve as given (recorded as ``Output.error``)."""


def edit_input(request: Request) -> Image.Image:
    """The edit request's input image, opened as RGB.

    Raises:
        RequestError: the request has no image, or it cannot be opened (the message names
            the file).
    """
    if not request.images:
        raise RequestError("the edit request has no input image")
    try:
        return request.images[0].open()
    except ImageError as exc:  # names the file
        raise RequestError(str(exc)) from exc


def safe_stem(sample_id: str) -> str:
    """``sample_id`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", sample_id)


def image_name(sample_id: str, index: int, suffix: str = ".png") -> str:
    """``{safe sample id}_{index}{suffix}``: the file name of a request's ``index``-th image."""
    return f"{safe_stem(sample_id)}_{index}{suffix}"


def write_images(images: Sequence[Image.Image], image_dir: str | Path,
                 sample_id: str) -> tuple[str, ...]:
    """Save ``images`` as RGB PNG files ``{sample_id}_{k}.png`` in ``image_dir``.

    Each file is written under a temporary name in the same folder and renamed into place.

    Returns:
        The paths written, in order (as strings, for :attr:`Output.images`).
    """
    folder = Path(image_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    for index, image in enumerate(images):
        target = folder / image_name(sample_id, index)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=folder)
        os.close(handle)
        try:
            image.convert("RGB").save(temporary, format="PNG")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        paths.append(str(target))
    return tuple(paths)


def copy_image(source: str | Path, image_dir: str | Path, sample_id: str, index: int) -> str:
    """Copy ``source`` byte for byte to ``image_dir/{sample_id}_{index}{its suffix}``.

    Nothing is copied when ``source`` already is that file. Returns the destination path.
    """
    src = Path(source)
    folder = Path(image_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / image_name(sample_id, index, src.suffix.lower())
    if target.exists() and target.resolve() == src.resolve():
        return str(target)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=src.suffix, dir=folder)
    os.close(handle)
    try:
        shutil.copyfile(src, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)


# ------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class TextTargets:
    """The texts a request asks to render, with their polygons.

    Attributes:
        texts: the strings, in the request's order.
        polygons: one polygon per text, ``((x, y), ...)`` in pixels of :attr:`canvas`.
        canvas: ``(width, height)`` of the frame the polygons are in, when the request says.
    """

    texts: tuple[str, ...]
    polygons: tuple[Polygon, ...]
    canvas: tuple[int, int] | None

    def scaled(self, size: tuple[int, int]) -> tuple[Polygon, ...]:
        """The polygons in pixels of an image of ``size = (width, height)``."""
        return tuple(scale_polygon(p, self.canvas, size) for p in self.polygons)


def _polygon(value: Any, where: str) -> Polygon:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise RequestError(f"{where} is not a list of [x, y] points: {value!r}")
    points: list[Point] = []
    for point in value:
        if (isinstance(point, str | bytes) or not isinstance(point, Sequence)
                or len(point) != 2):
            raise RequestError(f"{where} is not a list of [x, y] points: {value!r}")
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError) as exc:
            raise RequestError(f"{where} has a non-numeric point {point!r}") from exc
        if not (math.isfinite(x) and math.isfinite(y)):
            raise RequestError(f"{where} has a non-finite point {point!r}")
        points.append((x, y))
    if len(points) < 3:
        raise RequestError(f"{where} has {len(points)} points; at least 3 are needed")
    return tuple(points)


def _canvas(metadata: Mapping[str, Any]) -> tuple[int, int] | None:
    width, height = metadata.get("width"), metadata.get("height")
    if width is None and height is None:
        return None
    if (isinstance(width, bool) or isinstance(height, bool)
            or not isinstance(width, int | float) or not isinstance(height, int | float)
            or width <= 0 or height <= 0):
        raise RequestError(
            f"metadata width/height must be positive numbers, got {width!r} x {height!r}"
        )
    return int(width), int(height)


def text_targets(request: Request) -> TextTargets:
    """The texts and polygons of ``request.metadata`` (see the module docstring).

    Raises:
        RequestError: no texts, texts that are not strings, polygons missing, malformed or
            not one per text, or a bad canvas size.
    """
    metadata = request.metadata
    if "texts" in metadata:
        texts_value, polygons_value = metadata.get("texts"), metadata.get("polygons")
        texts_key, polygons_key = "texts", "polygons"
    elif "text" in metadata:
        texts_value, polygons_value = [metadata.get("text")], (
            [metadata["polygon"]] if "polygon" in metadata else None
        )
        texts_key, polygons_key = "text", "polygon"
    else:
        raise RequestError("request metadata names no texts to render ('texts' or 'text')")
    if isinstance(texts_value, str) or not isinstance(texts_value, Sequence):
        raise RequestError(f"metadata {texts_key!r} is not a list of strings: {texts_value!r}")
    texts = tuple(texts_value)
    for text in texts:
        if not isinstance(text, str):
            raise RequestError(f"metadata {texts_key!r} holds a non-string {text!r}")
    if polygons_value is None:
        raise RequestError(f"request metadata has no {polygons_key!r} for its texts")
    if isinstance(polygons_value, str) or not isinstance(polygons_value, Sequence):
        raise RequestError(f"metadata {polygons_key!r} is not a list of polygons")
    if len(polygons_value) != len(texts):
        raise RequestError(
            f"metadata has {len(texts)} texts but {len(polygons_value)} polygons"
        )
    polygons = tuple(
        _polygon(p, f"metadata {polygons_key}[{i}]") for i, p in enumerate(polygons_value)
    )
    return TextTargets(texts, polygons, _canvas(metadata))


def scale_polygon(polygon: Polygon, frame: tuple[int, int] | None,
                  size: tuple[int, int]) -> Polygon:
    """``polygon`` from pixels of ``frame = (w, h)`` to pixels of ``size`` (as is when no frame)."""
    if frame is None or frame == size:
        return polygon
    sx, sy = size[0] / frame[0], size[1] / frame[1]
    return tuple((x * sx, y * sy) for x, y in polygon)


def positive_int(key: str, value: Any) -> int:
    """``value`` as an int of at least 1 (a whole float is accepted).

    Raises:
        RequestError: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"{key} must be a positive integer, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise RequestError(f"{key} must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise RequestError(f"{key} must be a positive integer, got {value!r}")
    return int(value)


def polygons_mask(size: tuple[int, int], polygons: Sequence[Polygon]) -> Image.Image:
    """A binary ``L`` mask of ``size = (w, h)``: 255 inside any of ``polygons``, 0 elsewhere.

    Filled with PIL's polygon rasteriser (edges included).
    """
    from PIL import Image, ImageDraw

    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for polygon in polygons:
        draw.polygon([(x, y) for x, y in polygon], fill=255, outline=255)
    return mask


def binary_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``mask`` as an ``L`` image of ``size`` with values 0 and 255 (white: at least 128).

    A mask of another size is resized with nearest-neighbour sampling first.
    """
    gray = mask.convert("L")
    if gray.size != size:
        from PIL import Image

        gray = gray.resize(size, Image.Resampling.NEAREST)
    return gray.point(lambda value: 255 if value >= 128 else 0)
