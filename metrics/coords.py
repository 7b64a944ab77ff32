"""Coordinates that models write, parsed into shapes in image pixels.

A model writes a location in some *syntax* (``[[x,y],...]``, ``(x1,y1),(x2,y2)``,
``<box>...</box>``, ``[x1,y1,x2,y2]``...) and in some *frame*: the coordinate system its numbers
live in. :func:`parse_shapes` recognises every syntax below wherever it occurs in the output and
converts the numbers from a named :class:`Frame` to image pixels given the image width and
height. An output with no shape in it is a :class:`ParseResult` with status ``"unparseable"``
and a reason, never an exception.

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

Ground truth comes from ``Sample.target`` in image pixels, read by :func:`target_shape` and
:func:`target_regions`; the image size from ``Sample.metadata["width"]`` and ``["height"]``
(:func:`image_size`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from harmonybench.errors import DataError
from harmonybench.metrics.geometry import box_corners
from harmonybench.schema import Sample

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
        see :func:`~harmonybench.metrics.geometry.box_corners`), a point's one vertex."""
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


# ------------------------------------------------------------------------------------------
# Scanners
# ------------------------------------------------------------------------------------------

_N = NUMBER
_PAIR = rf"[\[(]\s*{_N}\s*,\s*{_N}\s*[\])]"
_PAIR_VALUES = re.compile(rf"[\[(]\s*({_N})\s*,\s*({_N})\s*[\])]")
_PAREN_VALUES = re.compile(rf"\(\s*({_N})\s*,\s*({_N})\s*\)")
_NUMBERS = re.compile(_N)

_POINT_LIST = re.compile(rf"[\[(]\s*{_PAIR}(?:\s*,?\s*{_PAIR})*\s*,?\s*[\])]")
_CORNER_PAIRS = re.compile(
    rf"\(\s*({_N})\s*,\s*({_N})\s*\)\s*,?\s*\(\s*({_N})\s*,\s*({_N})\s*\)"
)
_POINT_TAG = re.compile(rf"<point>\s*\(\s*({_N})\s*,\s*({_N})\s*\)\s*</point>")
_QUAD_TAG = re.compile(rf"<quad>\s*((?:\(\s*{_N}\s*,\s*{_N}\s*\)\s*,?\s*){{3,}})</quad>")
_BOX_TAG = re.compile(
    rf"<box>\s*\[?\s*({_N})\s*,\s*({_N})\s*,\s*({_N})\s*,\s*({_N})\s*\]?\s*</box>"
)
_FLAT = re.compile(
    rf"[\[(]\s*(?P<nums>{_N}(?:\s*,\s*{_N})+)"
    r"(?:\s*,\s*(?P<text>\"[^\"\n]*\"|'[^'\n]*'|[^\[\]()\"'\n,][^\[\]()\"'\n]*?))?"
    r"\s*,?\s*[\])]"
)
_REF_BEFORE = re.compile(
    r"<ref>((?:(?!<ref>).)*?)</ref>\s*(?:<box>|<quad>|<point>)?\s*$", re.DOTALL
)
_QUOTE_END = {
    "'": re.compile(r"((?:[^'\\\n]|\\.)*)'"),
    '"': re.compile(r'((?:[^"\\\n]|\\.)*)"'),
}
_STRIP = " \t\r\n,;[]()'\""


@dataclass(frozen=True)
class _Match:
    """A shape found in the text, in frame units, before conversion to pixels."""

    start: int
    end: int
    kind: ShapeKind
    values: tuple[float, ...]
    syntax: str
    text: str | None = None


def _floats(strings: Sequence[str]) -> tuple[float, ...]:
    return tuple(float(s) for s in strings)


def _from_points(values: tuple[float, ...]) -> ShapeKind:
    count = len(values) // 2
    return "polygon" if count >= 3 else "box" if count == 2 else "point"


def _scan(text: str) -> list[_Match]:
    """Every candidate shape in ``text``, unordered and possibly overlapping."""
    found: list[_Match] = []
    for m in _POINT_LIST.finditer(text):
        values = _floats([v for pair in _PAIR_VALUES.findall(m.group(0)) for v in pair])
        found.append(_Match(m.start(), m.end(), _from_points(values), values, "points"))
    for m in _CORNER_PAIRS.finditer(text):
        found.append(_Match(m.start(), m.end(), "box", _floats(m.groups()), "corners"))
    for m in _POINT_TAG.finditer(text):
        found.append(_Match(m.start(), m.end(), "point", _floats(m.groups()), "point-tag"))
    for m in _QUAD_TAG.finditer(text):
        values = _floats([v for pair in _PAREN_VALUES.findall(m.group(1)) for v in pair])
        found.append(_Match(m.start(), m.end(), "polygon", values, "quad-tag"))
    for m in _BOX_TAG.finditer(text):
        found.append(_Match(m.start(), m.end(), "box", _floats(m.groups()), "box-tag"))
    for m in _FLAT.finditer(text):
        numbers = _NUMBERS.findall(m.group("nums"))
        label = m.group("text")
        if len(numbers) % 2 == 1 and len(numbers) >= 5 and label is None:
            label = numbers.pop()
        if len(numbers) < 4 or len(numbers) % 2:
            continue
        values = _floats(numbers)
        kind: ShapeKind = "box" if len(values) == 4 else "polygon"
        if label is not None:
            label = label.strip()
            if len(label) >= 2 and label[0] == label[-1] and label[0] in "'\"":
                label = label[1:-1]
        found.append(_Match(m.start(), m.end(), kind, values, "flat", label))
    return found


def _select(found: list[_Match]) -> list[_Match]:
    """Non-overlapping matches: earliest start first, the longest on a tie."""
    chosen: list[_Match] = []
    end = -1
    for match in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if match.start >= end:
            chosen.append(match)
            end = match.end
    return chosen


def _unescape(text: str) -> str:
    return re.sub(r"\\(['\"\\])", r"\1", text)


def _trailing_text(text: str, match: _Match, limit: int) -> str | None:
    """TextHarmony's "poly word": the word after a point list (see the module docstring)."""
    quote = text[match.start - 1] if match.start > 0 else ""
    if quote in _QUOTE_END:
        closing = _QUOTE_END[quote].match(text, match.end)
        if closing is not None:
            word = _unescape(closing.group(1)).strip()
            return word or None
    segment = text[match.end:limit].split("\n", 1)[0].strip(_STRIP)
    return segment or None


def _attach_text(text: str, chosen: list[_Match]) -> list[str | None]:
    labels: list[str | None] = []
    previous_end = 0
    for i, match in enumerate(chosen):
        label = match.text
        if label is None:
            ref = _REF_BEFORE.search(text, previous_end, match.start)
            if ref is not None:
                label = ref.group(1).strip()
        if label is None and match.syntax == "points":
            limit = chosen[i + 1].start if i + 1 < len(chosen) else len(text)
            label = _trailing_text(text, match, limit)
        labels.append(label)
        previous_end = match.end
    return labels


def parse_shapes(
    text: str,
    frame: str | Frame,
    width: float | None = None,
    height: float | None = None,
) -> ParseResult:
    """Every shape in a model's output, converted from ``frame`` to image pixels.

    Args:
        text: the raw model output.
        frame: a name in :data:`FRAMES` or a :class:`Frame`.
        width: the image width in pixels (needed unless the frame is ``pixel``).
        height: the image height in pixels (likewise).

    Returns:
        A :class:`ParseResult`: the shapes in output order, or status ``"unparseable"`` with
        the reason ("empty output", "no shape found", "non-finite coordinates").

    Raises:
        ValueError: an unknown frame, or a missing or invalid image size for a frame that
            needs one (a caller's mistake, not the model's).
    """
    spec = get_frame(frame)
    spec.check_size(width, height)
    if not isinstance(text, str) or not text.strip():
        return unparseable("empty output")
    chosen = _select(_scan(text))
    if not chosen:
        return unparseable("no shape found")
    labels = _attach_text(text, chosen)
    shapes: list[Shape] = []
    for match, label in zip(chosen, labels, strict=True):
        xs = [spec.to_pixels(v, width) for v in match.values[0::2]]
        ys = [spec.to_pixels(v, height) for v in match.values[1::2]]
        if not all(map(math.isfinite, xs + ys)):
            continue
        shapes.append(Shape(match.kind, tuple(zip(xs, ys, strict=True)), label))
    if not shapes:
        return unparseable("non-finite coordinates")
    return ParseResult(status="ok", shapes=tuple(shapes))


# ------------------------------------------------------------------------------------------
# OCRBench v2 grounding
# ------------------------------------------------------------------------------------------

_OCRBENCH_V2_BOX = re.compile(r"[\(\[]\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*[\)\]]")


def ocrbench_v2_last_box(text: str) -> tuple[int, int, int, int] | None:
    """The box OCRBench v2 scores for a text-grounding answer, in its 0-1000 frame.

    Reference: Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts/IoUscore_metric.py``
    @794c36d6423c, ``extract_coordinates``. Rule: every ``(a,b,c,d)`` or ``[a,b,c,d]`` (either
    bracket may close either) of four **unsigned integers** (``\\d+``, so "12.5" or "-3" never
    match; any Unicode decimal digits do, as in the reference), kept only when all four lie
    in 0..1000, and the **last** one kept is returned. (The reference's de-duplication only
    moves a repeated box to the end, so the last match is always the answer.) ``None`` when
    there is none; the reference then scores 0.
    """
    last: tuple[int, int, int, int] | None = None
    for m in _OCRBENCH_V2_BOX.finditer(text):
        a, b, c, d = (int(g) for g in m.groups())
        if all(0 <= v <= 1000 for v in (a, b, c, d)):
            last = (a, b, c, d)
    return last


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
