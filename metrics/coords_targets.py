"""The ground truth of the perception protocols: a sample's target shape, regions and image
size, checked; the shapes and frames are described in :mod:`harmonybench.metrics.coords`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harmonybench.errors import DataError
from harmonybench.metrics.coords import (
    Shape,
)
from harmonybench.schema import Sample

# ------------------------------------------------------------------------------------------
# Ground truth
# ------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _where(sample: Sample) -> dict[str, str]:
    return {"record": f"sample {sample.id}"}


def image_size(sample: Sample) -> tuple[float, float]:
    """``(width, height)`` from ``sample.metadata``, both finite and positive.

    Raises:
        DataError: a missing or invalid ``width`` or ``height``.
    """
    size: list[float] = []
    for key in ("width", "height"):
        value: Any = sample.metadata.get(key)
        number = float(value) if _is_number(value) else math.nan
        if not math.isfinite(number) or number <= 0:
            raise DataError(
                sample.task, f"the image {key} must be a positive number, got {value!r}",
                field=f"metadata.{key}", **_where(sample),
            )
        size.append(number)
    return size[0], size[1]


def _numbers(value: Any, sample: Sample, field: str) -> list[float]:
    """A list of finite numbers, flattened from ``[x, y, ...]`` or ``[[x, y], ...]``."""
    problem = None
    flat: list[Any] = []
    if not isinstance(value, (list, tuple)) or not value:
        problem = f"expected a non-empty list of coordinates, got {value!r}"
    elif all(isinstance(v, (list, tuple)) for v in value):
        if any(len(v) != 2 for v in value):
            problem = "every point must be [x, y]"
        flat = [c for v in value for c in v]
    else:
        flat = list(value)
    if problem is None and not all(_is_number(c) and math.isfinite(c) for c in flat):
        problem = f"coordinates must be finite numbers, got {value!r}"
    if problem is not None:
        raise DataError(sample.task, problem, field=field, **_where(sample))
    return [float(c) for c in flat]


def target_shape(value: Any, sample: Sample, field: str) -> Shape:
    """One ground-truth region: a point list, or a flat ``[x1, y1, x2, y2]`` box, or a flat
    ``[x1, y1, x2, y2, x3, y3, ...]`` polygon (6 numbers or more), in image pixels.

    Raises:
        DataError: not a list of finite numbers or ``[x, y]`` points, fewer than 2 points, an
            odd count, or a box with ``x2 < x1`` or ``y2 < y1``.
    """
    nested = isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, (list, tuple)) for v in value
    )
    numbers = _numbers(value, sample, field)
    if len(numbers) % 2 or len(numbers) < 4:
        raise DataError(
            sample.task, f"a region needs 2 points or more, got {value!r}",
            field=field, **_where(sample),
        )
    points = tuple(zip(numbers[0::2], numbers[1::2], strict=True))
    if len(numbers) == 4 and not nested:
        if numbers[2] < numbers[0] or numbers[3] < numbers[1]:
            raise DataError(
                sample.task, f"box {value!r} has x2 < x1 or y2 < y1",
                field=field, **_where(sample),
            )
        return Shape("box", points)
    return Shape("box" if len(points) == 2 else "polygon", points)


def target_mapping(sample: Sample) -> Mapping[str, Any]:
    """``sample.target``, checked to be a mapping.

    Raises:
        DataError: the sample has no target mapping.
    """
    target = sample.target
    if not isinstance(target, Mapping):
        raise DataError(
            sample.task, f"expected a target mapping with the ground-truth regions, got "
            f"{target!r}", field="target", **_where(sample),
        )
    return target


def grounding_target(sample: Sample) -> Shape:
    """The ground-truth region of a grounding sample: ``target["polygon"]`` (a point list)
    or ``target["box"]`` (``[x1, y1, x2, y2]``), in image pixels.

    Raises:
        DataError: neither key, or a malformed region.
    """
    target = target_mapping(sample)
    for key in ("polygon", "box"):
        if key in target:
            return target_shape(target[key], sample, f"target.{key}")
    raise DataError(
        sample.task, "the target needs a 'polygon' or a 'box'", field="target",
        **_where(sample),
    )


@dataclass(frozen=True)
class Regions:
    """The ground-truth regions of a detection or spotting sample.

    Attributes:
        shapes: one shape per region, in image pixels.
        texts: the transcription per region ("" when the target gives none).
        dont_care: whether each region is a don't-care region (text ``"###"`` or
            ``ignore`` true).
    """

    shapes: tuple[Shape, ...]
    texts: tuple[str, ...]
    dont_care: tuple[bool, ...]


DONT_CARE = "###"
"""The ICDAR transcription of a don't-care region."""


def target_regions(sample: Sample, *, need_texts: bool = False) -> Regions:
    """``target["polygons"]`` (each a point list or flat box/polygon), ``target["texts"]``
    (optional unless ``need_texts``) and ``target["ignore"]`` (optional booleans).

    Raises:
        DataError: a missing or malformed key, or lists of different lengths.
    """
    target = target_mapping(sample)
    regions = target.get("polygons")
    if not isinstance(regions, (list, tuple)):
        raise DataError(
            sample.task, f"expected a list of regions, got {regions!r}",
            field="target.polygons", **_where(sample),
        )
    shapes = tuple(
        target_shape(region, sample, f"target.polygons[{i}]")
        for i, region in enumerate(regions)
    )
    texts_value = target.get("texts")
    if texts_value is None and not need_texts:
        texts: tuple[str, ...] = ("",) * len(shapes)
    elif not isinstance(texts_value, (list, tuple)) or not all(
        isinstance(t, str) for t in texts_value
    ):
        raise DataError(
            sample.task, f"expected a list of strings, got {texts_value!r}",
            field="target.texts", **_where(sample),
        )
    else:
        texts = tuple(texts_value)
    ignore_value = target.get("ignore", [False] * len(shapes))
    if not isinstance(ignore_value, (list, tuple)) or not all(
        isinstance(v, bool) for v in ignore_value
    ):
        raise DataError(
            sample.task, f"expected a list of booleans, got {ignore_value!r}",
            field="target.ignore", **_where(sample),
        )
    for key, values in (("texts", texts), ("ignore", ignore_value)):
        if len(values) != len(shapes):
            raise DataError(
                sample.task, f"{len(values)} {key} for {len(shapes)} regions",
                field=f"target.{key}", **_where(sample),
            )
    dont_care = tuple(bool(i) or t == DONT_CARE for t, i in zip(texts, ignore_value,
                                                                strict=True))
    return Regions(shapes=shapes, texts=texts, dont_care=dont_care)
