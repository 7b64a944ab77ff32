"""Seeing and drawing at a lower resolution: the honest handicaps of a stand-in system.

A unified model usually reads images through a vision encoder with a small fixed input
(TextHarmony encodes 448 x 448, where Monkey reads 896 x 896 and OCR engines the full page),
and draws text through an image decoder whose detail is bounded by its latent resolution.
:func:`at_resolution` models both the same way: the image is resampled to ``scale`` times
its size (Lanczos, so small text loses strokes the way it does in a real downscale) and back
to its own size (bicubic), so coordinates stay in the image's own pixel frame and only detail
is lost. ``compose`` applies it to its text part's inputs (``text_input_scale``) and to its
image part's outputs (``image_output_scale``).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from PIL import Image

from harmonybench.model import ModelArgError, parse_number
from harmonybench.schema import ImageRef, Request


def parse_scale(key: str, value: str) -> float:
    """A resolution factor in (0, 1]."""
    number = float(parse_number(key, value))
    if not 0 < number <= 1:
        raise ModelArgError(f"--model-arg {key}={value!r}: expected a factor in (0, 1]")
    return number


def at_resolution(image: Image.Image, scale: float) -> Image.Image:
    """``image`` as seen at ``scale`` times its resolution, returned at its own size."""
    if scale >= 1:
        return image
    width, height = image.size
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(small, Image.Resampling.LANCZOS).resize(
        (width, height), Image.Resampling.BICUBIC)


def request_at_resolution(request: Request, scale: float) -> Request:
    """``request`` with every input image replaced by its :func:`at_resolution` version.

    The images travel as embedded PNG bytes named after the originals (the request's hash,
    taken by the run loop before this, is unchanged).
    """
    if scale >= 1 or not request.images:
        return request
    images = []
    for ref in request.images:
        buffer = io.BytesIO()
        at_resolution(ref.open(), scale).save(buffer, format="PNG")
        images.append(ImageRef(data=buffer.getvalue(), name=f"{ref.describe()}@{scale:g}x"))
    return dataclasses.replace(request, images=tuple(images))


def file_at_resolution(path: str | Path, scale: float) -> None:
    """Rewrite an image file in place as :func:`at_resolution` gives it."""
    if scale >= 1:
        return
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    at_resolution(image, scale).save(path)
