"""The coordinate scanners: every shape in a model's answer (:func:`parse_shapes`) and OCRBench
v2's last box (:func:`ocrbench_v2_last_box`); the syntaxes and frames are described in
:mod:`harmonybench.metrics.coords`."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from harmonybench.metrics.coords import (
    NUMBER,
    Frame,
    ParseResult,
    Shape,
    ShapeKind,
    get_frame,
    unparseable,
)

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
