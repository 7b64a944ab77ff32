"""The typed contract of image requests: what to write, where, on which canvas, for which caption.

An image-out task (``t2i``/``edit``) fills :class:`TextLayout` when it loads a sample
(:attr:`~harmonybench.schema.Sample.layout`), and :meth:`harmonybench.task.Task.request` hands it
to the model as :attr:`~harmonybench.schema.Request.layout`. Adapters read the texts, polygons,
canvas and captions from there and nowhere else (``request.metadata`` only carries what the
dataset file said, for reading). The layout is part of
:meth:`~harmonybench.schema.Request.hash`: it determines the output.

What belongs where: the edit input image is ``Request.images[0]`` and the editing mask
``Request.mask`` (both already typed :class:`~harmonybench.schema.ImageRef` fields); the layout
holds what is written into them. The prompt rules that both tasks and models need (AnyText's
placeholders, TextHarmony's instructions) are in :mod:`harmonybench.prompt_rules`; the quoting
rule that makes :attr:`TextLayout.quoted_caption` is the task's
(:func:`harmonybench.tasks.anytext_prompts.quote_texts`), since only the task computes it and the
model reads the result.

Validation happens on construction (:class:`LayoutError` names the field, e.g.
``polygons[1][2]``); :func:`sample_layout` turns that into a
:class:`~harmonybench.errors.DataError` naming the file, the sample and the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError, HarmonyBenchError

Point = tuple[float, float]
Polygon = tuple[Point, ...]


class LayoutError(HarmonyBenchError):
    """A :class:`TextLayout` field that is malformed.

    Args:
        field: the field, with indices (``polygons[1][2]``, ``width``).
        problem: what is wrong, in words.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"layout field {field!r}: {problem}")


def as_polygon(value: Any, field: str = "polygon") -> Polygon:
    """``value`` (a sequence of ``[x, y]`` pairs) as a polygon of at least 3 finite points.

    Raises:
        LayoutError: not a sequence of pairs of numbers, a non-finite coordinate, or fewer
            than 3 points (a polygon without area cannot be drawn, masked or cropped).
    """
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise LayoutError(field, f"{value!r} is not a list of [x, y] points")
    points: list[Point] = []
    for k, point in enumerate(value):
        where = f"{field}[{k}]"
        if isinstance(point, str | bytes) or not isinstance(point, Sequence) or len(point) != 2:
            raise LayoutError(where, f"{point!r} is not an [x, y] pair")
        if any(isinstance(c, bool) or not isinstance(c, int | float) for c in point):
            raise LayoutError(where, f"{point!r} is not a pair of numbers")
        x, y = float(point[0]), float(point[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise LayoutError(where, f"{point!r} is not finite")
        points.append((x, y))
    if len(points) < 3:
        raise LayoutError(field, f"has {len(points)} points; at least 3 are needed")
    return tuple(points)


def _positive(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            (isinstance(value, float) and not value.is_integer()) or value < 1:
        raise LayoutError(field, f"must be a positive whole number of pixels, got {value!r}")
    return int(value)


def scale_polygon(polygon: Polygon, frame: tuple[int, int] | None,
                  size: tuple[int, int]) -> Polygon:
    """``polygon`` from pixels of ``frame = (w, h)`` to pixels of ``size`` (as is when no frame)."""
    if frame is None or frame == size:
        return polygon
    sx, sy = size[0] / frame[0], size[1] / frame[1]
    return tuple((x * sx, y * sy) for x, y in polygon)


@dataclass(frozen=True)
class TextLayout:
    """The texts an image request asks for, where they go, and the captions around them.

    Args:
        texts: the texts to write, one line each, in order (AnyText: the scored lines, cut to
            20 characters; MARIO-Eval: the prompt's quoted spans).
        polygons: one polygon per text, ``((x, y), ...)`` in pixels of the canvas (lists are
            accepted and converted).
        width: the canvas width the polygons are in (AnyText's 512, or an edit input's width).
        height: the canvas height.
        caption: the raw caption (AnyText's, ``*`` already a space; MARIO-Eval's prompt line).
        quoted_caption: the caption with the texts shown in double quotes (TextHarmony's and
            the ``default`` prompt's form); empty means the caption itself (a MARIO-Eval
            prompt already quotes its words).
        edit_text: an edit's whole text, as its instruction writes it (``texts`` holds the
            scored, cut form); ``None`` for text-to-image.
        image_name: the dataset's name of the target image (AnyText's ``img_name``), which
            tools that generate elsewhere name their files after; ``None`` when there is none.

    Raises:
        LayoutError: a text that is not a string, a malformed polygon, not one polygon per
            text, or a canvas side that is not a positive whole number.
    """

    texts: tuple[str, ...]
    polygons: tuple[Polygon, ...]
    width: int
    height: int
    caption: str = ""
    quoted_caption: str = ""
    edit_text: str | None = None
    image_name: str | None = None

    def __post_init__(self) -> None:
        texts: Any = self.texts
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise LayoutError("texts", f"{texts!r} is not a list of strings")
        for k, text in enumerate(texts):
            if not isinstance(text, str):
                raise LayoutError(f"texts[{k}]", f"{text!r} is not a string")
        polygons: Any = self.polygons
        if isinstance(polygons, str) or not isinstance(polygons, Sequence):
            raise LayoutError("polygons", f"{polygons!r} is not a list of polygons")
        if len(polygons) != len(texts):
            raise LayoutError("polygons", f"{len(polygons)} polygons for {len(texts)} texts "
                                          "(one per text)")
        for name in ("caption", "quoted_caption"):
            if not isinstance(getattr(self, name), str):
                raise LayoutError(name, f"{getattr(self, name)!r} is not a string")
        for name in ("edit_text", "image_name"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise LayoutError(name, f"{value!r} is not a string")
        set_ = object.__setattr__
        set_(self, "texts", tuple(texts))
        set_(self, "polygons", tuple(as_polygon(p, f"polygons[{k}]")
                                     for k, p in enumerate(polygons)))
        set_(self, "width", _positive("width", self.width))
        set_(self, "height", _positive("height", self.height))
        if not self.quoted_caption:
            set_(self, "quoted_caption", self.caption)

    @property
    def canvas(self) -> tuple[int, int]:
        """``(width, height)`` of the frame the polygons are in."""
        return self.width, self.height

    def scaled(self, size: tuple[int, int]) -> tuple[Polygon, ...]:
        """The polygons in pixels of an image of ``size = (width, height)``."""
        return tuple(scale_polygon(p, self.canvas, size) for p in self.polygons)

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON values (for request hashes and messages)."""
        return {
            "texts": list(self.texts),
            "polygons": [[[x, y] for x, y in p] for p in self.polygons],
            "width": self.width, "height": self.height,
            "caption": self.caption, "quoted_caption": self.quoted_caption,
            "edit_text": self.edit_text, "image_name": self.image_name,
        }


def sample_layout(path: str | Path, sample_id: str, **fields: Any) -> TextLayout:
    """``TextLayout(**fields)`` for a sample being loaded from ``path``.

    Raises:
        DataError: naming ``path``, ``sample <id>`` and the field (``layout.polygons[0][1]``).
    """
    try:
        return TextLayout(**fields)
    except LayoutError as exc:
        raise DataError(path, exc.problem, record=f"sample {sample_id}",
                        field=f"layout.{exc.field}") from exc
