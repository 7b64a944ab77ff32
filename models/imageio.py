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

**Targets** (:func:`request_layout`): the texts to render, their polygons and the canvas the
polygon coordinates are in (AnyText's 512x512) are the request's typed
:class:`~harmonybench.layout.TextLayout` (``Request.layout``, validated when the task built
it); :meth:`~harmonybench.layout.TextLayout.scaled` maps the polygons to another image size.
Adapters never read them from ``request.metadata``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonybench.errors import ImageError
from harmonybench.image_files import safe_stem
from harmonybench.layout import Polygon, TextLayout
from harmonybench.schema import Request

if TYPE_CHECKING:
    from PIL import Image

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


def request_layout(request: Request) -> TextLayout:
    """The texts, polygons and canvas ``request`` asks for (``Request.layout``).

    Raises:
        RequestError: the request has no layout (a task that does not fill it).
    """
    if request.layout is None:
        raise RequestError(f"the {request.kind} request names no texts to render (it has no "
                           "layout: the task must fill Request.layout)")
    return request.layout


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
