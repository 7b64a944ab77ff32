"""Coordinates that models write, parsed into shapes in image pixels.

A model writes a location in some *syntax* (``[[x,y],...]``, ``(x1,y1),(x2,y2)``,
``<box>...</box>``, ``[x1,y1,x2,y2]``...) and in some *frame*: the coordinate system its numbers
live in. :func:`~harmonybench.metrics.coords_parse.parse_shapes` recognises every syntax below
wherever it occurs in the output and converts the numbers from a named :class:`Frame` to image
pixels given the image width and height. An output with no shape in it is a :class:`ParseResult`
with status ``"unparseable"`` and a reason, never an exception.

Frames (:data:`FRAMES`), with the code each was read from:

========== ==================================================================================
``th448``  TextHarmony: a 448-pixel square, ``x_px = x * W / 448``, ``y_px = y * H / 448``.
           bytedance/TextHarmony ``custom_datasets/all_mixed_dataset.py`` @f98ac34b206f,
           ``_get_ocr``: MARIO-10M polygons (512-pixel) are rescaled by ``int(v / 512 * 448)``
           and written as ``str(list_of_points)``, although the model sees 896-pixel input.
``norm999`` MM-Interleaved and Qwen-VL's grounding scorers: ``x_px = x / 999 * W``.
           TextHarmony ``utils/grounding_score.py`` @f98ac34b206f (inherited from
           MM-Interleaved, ``box2str`` writes ``(%03d,%03d)(%03d,%03d)``) and QwenLM/Qwen-VL
           ``eval_mm/evaluate_grounding.py`` @aa00ed04091e both divide by **999**.
``norm1000`` ``x_px = x / 1000 * W``: Qwen-VL's README @aa00ed04091e ("normalized values in
           the range [0, 1000)") and the Qwen tokenizer's ``draw_bbox_on_latest_picture``
           (``x / 1000 * w``; read in the copy Yuliang-Liu/Monkey
           ``monkey_model/tokenization_qwen.py`` @498e1d92baff, which TextMonkey uses);
           TextMonkey's ``demo_textmonkey.py`` (same commit) draws the ``<box>`` numbers on
           the image resized to 1000 x 1000; OCRBench v2 keeps values in 0..1000.
``norm1``  Coordinates normalised to [0, 1]: ``x_px = x * W``.
``pixel``  Image pixels, used as they are (no width or height needed).
========== ==================================================================================

Qwen-VL is the one family whose sources disagree: its README and tokenizer say 1000, the
evaluation script that produced its RefCOCO numbers divides by 999. The difference is a 0.1%
scale. Use ``norm999`` to reproduce the published grounding numbers and ``norm1000`` to follow
the documentation.

Syntaxes (every number may be signed and decimal: ``-?\\d+(\\.\\d*)?`` or ``.5``):

- **point lists**, TextHarmony's polygons: ``[[x, y], [x, y], ...]`` (pairs in ``[]`` or
  ``()``, the outer bracket ``[`` or ``(``). 3 points or more make a ``polygon``; 2 make a
  ``box`` from two corners; 1 makes a ``point``.
- **corner pairs**, MM-Interleaved and Qwen-VL: ``(x1,y1)(x2,y2)`` or ``(x1,y1),(x2,y2)``,
  inside ``<box>...</box>`` or not. Always a ``box`` with the corners as written. (The
  TextHarmony scorer's regex ``\\((.*?)\\)\\((.*?)\\)`` needs the two pairs adjacent and Qwen-VL's
  ``\\((.*?)\\),\\((.*?)\\)`` needs the comma; both are accepted here.)
- **TextMonkey tags**: ``<point>(x,y)</point>`` is a ``point``; ``<quad>(x,y),(x,y),...</quad>``
  (the Monkey tokenizer's quadrilateral tag) is a ``polygon``; ``<box>x1,y1,x2,y2</box>`` with
  four bare numbers is a ``box``.
- **flat lists**: ``[x1, y1, x2, y2]`` or ``(x1, y1, x2, y2)`` is a ``box``; 6, 8, ... numbers
  are a ``polygon`` ``x1,y1,x2,y2,...``; a final non-numeric item is the shape's text (OCRBench
  v2's ``[x1, y1, x2, y2, text]``), and with an odd count of 5 or more the last number is read
  as that text. Two numbers alone are not a shape.

Where matches overlap, the one that starts first wins (the longer one on a tie), so a point list
is never re-read as corner pairs or flat lists inside it.

Text attached to a shape (for spotting), first rule that applies:

1. a flat list's final item (quotes removed);
2. a ``<ref>text</ref>`` just before the shape (only whitespace and an opening ``<box>``,
   ``<quad>`` or ``<point>`` tag between): Qwen-VL's and TextMonkey's ``<ref>w</ref><box>..``;
3. for a point list, TextHarmony's "poly word" items (``str(['[[x, y], ...] word', ...])``):
   when a quote character is right before the list, the text up to the matching unescaped
   quote (``\\'``, ``\\"`` and ``\\\\`` unescaped); otherwise the rest of the line up to the next
   shape, with surrounding whitespace, brackets, quotes, ``,`` and ``;`` removed.

A shape with a non-finite coordinate (a 400-digit number) is dropped; an output whose shapes
were all dropped is unparseable with that reason.

Ground truth comes from ``Sample.target`` in image pixels, read by
:func:`~harmonybench.metrics.coords_targets.target_shape` and
:func:`~harmonybench.metrics.coords_targets.target_regions`; the image size from
``Sample.metadata["width"]`` and ``["height"]``
(:func:`~harmonybench.metrics.coords_targets.image_size`).

**Modules**: this one holds the frames and the shapes; :mod:`~harmonybench.metrics.coords_parse`
the scanners, :mod:`~harmonybench.metrics.coords_targets` the ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt

from harmonybench.metrics.geometry_boxes import box_corners

FloatArray = npt.NDArray[np.float64]
ShapeKind = Literal["polygon", "box", "point"]
ParseStatus = Literal["ok", "unparseable"]

NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
"""A coordinate as models write it: optional sign, digits, optional decimals."""

# ------------------------------------------------------------------------------------------
# Frames
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """A coordinate frame: numbers in ``[0, extent]`` map linearly onto the image.

    Attributes:
        name: the frame's name (a key of :data:`FRAMES`).
        extent: the number that maps to the image's width (and height); ``None`` for pixels.
        summary: one line on who writes coordinates this way.
    """

    name: str
    extent: float | None
    summary: str

    @property
    def needs_size(self) -> bool:
        """Whether converting to pixels needs the image width and height."""
        return self.extent is not None

    def check_size(self, width: float | None, height: float | None) -> None:
        """Check that the image size this frame needs is given.

        Raises:
            ValueError: the frame needs an image size and ``width``/``height`` are missing,
                not finite or not positive.
        """
        if self.extent is None:
            return
        for label, value in (("width", width), ("height", height)):
            if value is None or not math.isfinite(value) or value <= 0:
                raise ValueError(
                    f"frame {self.name!r} needs a positive image {label}, got {value!r}"
                )

    def to_pixels(self, value: float, size: float | None) -> float:
        """One coordinate in pixels: ``value / extent * size`` (the references' order of
        operations, e.g. ``box / 999`` then ``*= w``), or ``value`` in the pixel frame."""
        if self.extent is None:
            return value
        assert size is not None
        return value / self.extent * size


FRAMES: Mapping[str, Frame] = MappingProxyType({
    "th448": Frame("th448", 448.0, "TextHarmony: 448-pixel square (MARIO 512 px x 448/512)"),
    "norm999": Frame("norm999", 999.0, "MM-Interleaved / Qwen-VL scorers: 0-999"),
    "norm1000": Frame("norm1000", 1000.0, "Qwen-VL docs, TextMonkey, OCRBench v2: 0-1000"),
    "norm1": Frame("norm1", 1.0, "normalised to [0, 1]"),
    "pixel": Frame("pixel", None, "image pixels"),
})
"""Every supported frame by name."""


def get_frame(frame: str | Frame) -> Frame:
    """The :class:`Frame` named ``frame`` (a Frame is returned as is).

    Raises:
        ValueError: an unknown frame name.
    """
    if isinstance(frame, Frame):
        return frame
    try:
        return FRAMES[frame]
    except KeyError:
        raise ValueError(f"unknown frame {frame!r}; known: {', '.join(FRAMES)}") from None


# ------------------------------------------------------------------------------------------
# Shapes and parse results
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One shape in image pixels.

    Attributes:
        kind: ``"polygon"`` (3 or more vertices), ``"box"`` (two corners
            ``(x1, y1), (x2, y2)`` as written, not reordered) or ``"point"``.
        points: the vertices, the two corners, or the one point.
        text: the word attached to the shape, if any (spotting).
    """

    kind: ShapeKind
    points: tuple[tuple[float, float], ...]
    text: str | None = None

    def box(self) -> tuple[float, float, float, float]:
        """The axis-aligned box ``(x1, y1, x2, y2)``.

        A ``box`` keeps its corners as written, so an inverted one stays inverted (zero area,
        as in the references); a ``polygon`` gives its bounding box; a ``point`` a zero-area
        box at the point.
        """
        if self.kind == "box":
            (x1, y1), (x2, y2) = self.points
            return x1, y1, x2, y2
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs), min(ys), max(xs), max(ys)

    def polygon(self) -> FloatArray:
        """The vertices as a ``(K, 2)`` array: a box's 4 corners (none when it is degenerate,
        see :func:`~harmonybench.metrics.geometry_boxes.box_corners`), a point's one vertex."""
        if self.kind == "box":
            corners: FloatArray = box_corners(self.box())
            return corners
        points: FloatArray = np.asarray(self.points, dtype=np.float64).reshape(-1, 2)
        return points


@dataclass(frozen=True)
class ParseResult:
    """What :func:`parse_shapes` found.

    Attributes:
        status: ``"ok"`` with at least one shape, or ``"unparseable"``.
        shapes: the shapes in the order they occur in the output, in image pixels.
        reason: why the output is unparseable (``None`` when ok).
    """

    status: ParseStatus
    shapes: tuple[Shape, ...] = ()
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Whether at least one shape was found."""
        return self.status == "ok"

    @property
    def first(self) -> Shape | None:
        """The first shape in the output, if any."""
        return self.shapes[0] if self.shapes else None


def unparseable(reason: str) -> ParseResult:
    """A :class:`ParseResult` with no shape and ``reason``."""
    return ParseResult(status="unparseable", reason=reason)
