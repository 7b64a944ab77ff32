"""Regions and image annotations: what every reader of :mod:`harmonybench.tasks.perception_data`
returns, and the image-size lookup the readers share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef

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



def sized(ann_path: Path, where: str | None, ref: ImageRef,
          width: float | None, height: float | None, field: str) -> tuple[float, float]:
    """``(width, height)`` as given, else read from the image (:func:`image_size`), the error
    naming the annotation file, the record and the field."""
    if width is not None and height is not None:
        return width, height
    return image_size(ref, DataError(ann_path, f"cannot read the size of image "
                                               f"{ref.describe()}", record=where, field=field))


def iter_regions(annotation: ImageAnnotation) -> Iterator[tuple[int, Region, str]]:
    """``(index, region, where)`` for each region of ``annotation``."""
    wheres = annotation.region_where or tuple("" for _ in annotation.regions)
    for index, (region, where) in enumerate(zip(annotation.regions, wheres, strict=True)):
        yield index, region, where
