"""The helpers the image-out tasks share: option parsing, generated image files, errors.

See :mod:`harmonybench.tasks.imageout` for the options and what the tasks do with them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from harmonybench.errors import HarmonyBenchError, OutputError
from harmonybench.schema import Output, Sample

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {".bmp", ".jpg", ".jpeg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp"}
)
"""Image files a reference folder is read for (pytorch-fid's ``IMAGE_EXTENSIONS``)."""

CLIP_PROTOCOLS: tuple[str, ...] = ("clipscore", "clipscore-textdiffuser")
"""The CLIPScore conventions (dataset protocols ``clipscore`` and ``clipscore-textdiffuser``
of :mod:`harmonybench.metrics.quality_protocols`) the ``clip_protocol`` option may name."""

FID_MODES: tuple[str, ...] = ("auto", "on", "off")
CROP_MODES: tuple[str, ...] = ("auto", "anytext", "bare")


class ImageOutputError(OutputError):
    """A generated image that is missing or cannot be read (that sample's failure)."""


class TaskOptionError(HarmonyBenchError):
    """A ``--task-arg`` value an image-out task cannot use."""


@runtime_checkable
class WordReader(Protocol):
    """A reader that also finds the words anywhere in a whole image (MARIO-Eval)."""

    @property
    def word_identity(self) -> str:
        """Name, version and models used for whole-image reading."""
        ...

    def words(self, images: Sequence[Image.Image]) -> list[list[str]]:
        """The words found in each image, one string per word."""
        ...


def open_generated(path: str | os.PathLike[str]) -> Image.Image:
    """A generated image, fully read and converted to RGB.

    Raises:
        ImageOutputError: the file is missing or is not a readable image.
    """
    from PIL import Image

    file = Path(path)
    if not file.is_file():
        raise ImageOutputError(f"generated image {file} does not exist")
    try:
        with Image.open(file) as opened:
            opened.load()
            return opened.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageOutputError(f"generated image {file} cannot be read: {exc}") from exc


def image_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The image files directly in ``folder`` (pytorch-fid's extensions), sorted by name."""
    root = Path(folder)
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def output_images(output: Output) -> list[str]:
    """The output's image paths.

    Raises:
        ImageOutputError: the output has none.
    """
    if not output.images:
        raise ImageOutputError("the model returned no images for this sample")
    return list(output.images)


def polygon_frame(sample: Sample) -> tuple[int, int] | None:
    """``(width, height)`` of the frame the sample's polygons are in (its layout), if any."""
    return sample.layout.canvas if sample.layout is not None else None


def known_subset(paths: Sequence[str | os.PathLike[str] | None],
                 names: Sequence[str]) -> str | None:
    """The first of ``names`` that is a component of one of ``paths`` (in order)."""
    for path in paths:
        if path is None:
            continue
        parts = Path(path).parts
        for name in names:
            if name in parts:
                return name
    return None


def parse_choice(key: str, value: str, choices: Sequence[str]) -> str:
    """``value`` (lowercased) if it is one of ``choices``.

    Raises:
        TaskOptionError: it is not.
    """
    lowered = str(value).strip().lower()
    if lowered not in choices:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected one of {', '.join(choices)}")
    return lowered


def parse_int(key: str, value: str | int, *, low: int = 0) -> int:
    """``value`` as an integer of at least ``low``.

    Raises:
        TaskOptionError: not an integer, or too small.
    """
    try:
        number = int(str(value).strip())
    except ValueError:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected an integer") from None
    if number < low:
        raise TaskOptionError(f"--task-arg {key}={value!r}: expected an integer >= {low}")
    return number


def existing_path(key: str, value: str | None, *, folder: bool) -> Path | None:
    """``value`` as a path to an existing folder (or file); ``None`` when not given.

    Raises:
        TaskOptionError: it does not exist, or is not a folder (a file).
    """
    if value is None or not str(value).strip():
        return None
    path = Path(str(value)).expanduser()
    if folder and not path.is_dir():
        raise TaskOptionError(f"--task-arg {key}={value!r}: not a folder")
    if not folder and not path.is_file():
        raise TaskOptionError(f"--task-arg {key}={value!r}: not a file")
    return path


def blacken_corner(image: Image.Image, side: int) -> Image.Image:
    """``image`` with its bottom-right ``side`` x ``side`` (512-frame) pixels set to black."""
    from PIL import ImageDraw

    width, height = image.size
    dx = max(1, round(side * width / 512))
    dy = max(1, round(side * height / 512))
    out = image.copy()
    ImageDraw.Draw(out).rectangle((width - dx, height - dy, width - 1, height - 1), fill=(0, 0, 0))
    return out
