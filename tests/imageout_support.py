"""What the image-out task tests share: outputs that show a sample's texts (or nothing), and
error locations; the fixtures are in :mod:`imageout_fixtures`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from imagedata import (
    draw_texts,
)
from PIL import Image

from harmonybench.errors import DataError
from harmonybench.schema import Output, Sample

HAS_TESSERACT = shutil.which("tesseract") is not None
needs_tesseract = pytest.mark.skipif(not HAS_TESSERACT, reason="tesseract is not installed")


def save(image: Image.Image, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return str(path)


def rendered(sample: Sample, folder: Path, count: int = 1, **kwargs: Any) -> Output:
    """An output whose images show the sample's target texts in their polygons."""
    assert sample.layout is not None
    image = draw_texts(list(sample.layout.texts), sample.layout.polygons, **kwargs)
    paths = tuple(save(image, folder / f"{sample.id}_{k}.png") for k in range(count))
    return Output(sample_id=sample.id, images=paths)


def blank(sample: Sample, folder: Path, count: int = 1) -> Output:
    image = Image.new("RGB", (512, 512), (250, 248, 240))
    paths = tuple(save(image, folder / f"blank_{sample.id}_{k}.png") for k in range(count))
    return Output(sample_id=sample.id, images=paths)


def where(exc: pytest.ExceptionInfo[DataError]) -> tuple[str, str | None, str | None]:
    return exc.value.path, exc.value.record, exc.value.field

