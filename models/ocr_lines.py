"""What OCR engines find: lines and words with polygons and confidences, pages of them,
reading order, word splitting, fuzzy text matching and the answers the region kinds give;
the adapter base that serves them is :mod:`harmonybench.models.ocr`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from harmonybench.errors import HarmonyBenchError

if TYPE_CHECKING:
    pass

Point = tuple[float, float]
Level = Literal["word", "line"]


class EngineUnavailableError(HarmonyBenchError):
    """The OCR engine an adapter needs is not installed (the message says what to install)."""


@dataclass(frozen=True)
class OCRLine:
    """One line (or word) an engine found.

    Args:
        text: the recognised text.
        polygon: the outline in image pixels, clockwise from the top-left corner (four points
            for a box; the whole image when the engine read the image as one line).
        confidence: the engine's confidence in [0, 1].
    """

    text: str
    polygon: tuple[Point, ...]
    confidence: float

    @property
    def top(self) -> float:
        """The smallest y of the polygon."""
        return min(y for _, y in self.polygon)

    @property
    def bottom(self) -> float:
        """The largest y of the polygon."""
        return max(y for _, y in self.polygon)

    @property
    def left(self) -> float:
        """The smallest x of the polygon."""
        return min(x for x, _ in self.polygon)

    @property
    def center_y(self) -> float:
        """The middle of the polygon's vertical extent."""
        return (self.top + self.bottom) / 2


def box_polygon(left: float, top: float, right: float, bottom: float) -> tuple[Point, ...]:
    """An axis-aligned box as a clockwise four-point polygon from the top-left corner."""
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def reading_order(lines: Iterable[OCRLine]) -> list[OCRLine]:
    """``lines`` in reading order: rows top to bottom, each row left to right.

    Lines are taken by their top edge; a line belongs to the current row when its vertical
    centre lies within the vertical extent of the row's first line (so words of one row whose
    boxes are a few pixels apart in height stay together, and are then ordered by their left
    edge).
    """
    remaining = sorted(lines, key=lambda line: (line.top, line.left))
    ordered: list[OCRLine] = []
    while remaining:
        first = remaining[0]
        row = [ln for ln in remaining if first.top <= ln.center_y <= first.bottom]
        ordered.extend(sorted(row, key=lambda line: line.left))
        chosen = {id(ln) for ln in row}
        remaining = [ln for ln in remaining if id(ln) not in chosen]
    return ordered


def join_lines(lines: Iterable[OCRLine]) -> str:
    """The lines' texts in reading order, stripped, empty ones dropped, joined by a space."""
    return " ".join(t for t in (ln.text.strip() for ln in reading_order(lines)) if t)


@dataclass(frozen=True)
class Page:
    """What an engine found on a whole image: lines, and the words of each line.

    Attributes:
        lines: the lines, in the engine's order.
        words: the words of each line (aligned with ``lines``; a line may have none).
    """

    lines: tuple[OCRLine, ...] = ()
    words: tuple[tuple[OCRLine, ...], ...] = ()

    @property
    def all_words(self) -> list[OCRLine]:
        """Every word of every line."""
        return [w for line in self.words for w in line]

    def regions(self, level: Level) -> list[OCRLine]:
        """The words (``level="word"``) or lines, in reading order."""
        return reading_order(self.all_words if level == "word" else self.lines)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def _quad(line: OCRLine) -> tuple[Point, Point, Point, Point]:
    """The line's four corners (top-left, top-right, bottom-right, bottom-left): its polygon
    when it has four points, else its bounding box."""
    if len(line.polygon) == 4:
        tl, tr, br, bl = line.polygon
        return tl, tr, br, bl
    right = max(x for x, _ in line.polygon)
    tl, tr, br, bl = box_polygon(line.left, line.top, right, line.bottom)
    return tl, tr, br, bl


def split_words(line: OCRLine) -> list[OCRLine]:
    """The words of ``line`` with polygons cut from the line's in proportion to character
    positions (see the module docstring). A one-word line is returned as it is."""
    text = line.text
    spans = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", text)]
    if len(spans) <= 1:
        return [OCRLine(text.strip(), line.polygon, line.confidence)] if spans else []
    tl, tr, br, bl = _quad(line)
    total = len(text)
    words = []
    for start, end, word in spans:
        a, b = start / total, end / total
        polygon = (_lerp(tl, tr, a), _lerp(tl, tr, b), _lerp(bl, br, b), _lerp(bl, br, a))
        words.append(OCRLine(word, polygon, line.confidence))
    return words


def page_from_lines(lines: Sequence[OCRLine]) -> Page:
    """A :class:`Page` whose words are cut from the lines by :func:`split_words`."""
    return Page(lines=tuple(lines), words=tuple(tuple(split_words(ln)) for ln in lines))


def _bounding(words: Sequence[OCRLine]) -> OCRLine:
    """A run of words as one: texts joined by a space, the box around them, the lowest
    confidence."""
    right = max(x for w in words for x, _ in w.polygon)
    bottom = max(w.bottom for w in words)
    return OCRLine(
        " ".join(w.text for w in words),
        box_polygon(min(w.left for w in words), min(w.top for w in words), right, bottom),
        min(w.confidence for w in words),
    )


@dataclass(frozen=True)
class TextMatch:
    """The detected text that matches a grounding query best.

    Attributes:
        region: the word, run of words or line (its polygon is the answer).
        score: ``rapidfuzz.fuzz.ratio`` of the query and the region's text (0-100).
    """

    region: OCRLine
    score: float


def text_candidates(page: Page, tokens: int) -> list[OCRLine]:
    """What a query of ``tokens`` words may match: every word, every run of ``tokens``
    consecutive words of a line (when ``tokens > 1``), and every line, in that order."""
    out = list(page.all_words)
    if tokens > 1:
        for words in page.words:
            out.extend(_bounding(words[i:i + tokens]) for i in range(len(words) - tokens + 1))
    out.extend(page.lines)
    return out


def find_text(page: Page, query: str, threshold: float) -> TextMatch | None:
    """The candidate (:func:`text_candidates`) whose text is closest to ``query``.

    Similarity is ``fuzz.ratio`` after ``default_process`` (lowercased, non-alphanumerics
    replaced by spaces, trimmed); the highest wins, then the higher confidence, then the
    first in candidate order (words before runs before lines). ``None`` when the best is
    below ``threshold`` or there is no candidate.
    """
    tokens = max(1, len(query.split()))
    best: TextMatch | None = None
    for region in text_candidates(page, tokens):
        score = float(fuzz.ratio(query, region.text, processor=default_process))
        if best is None or (score, region.confidence) > (best.score, best.region.confidence):
            best = TextMatch(region, score)
    if best is None or best.score < threshold:
        return None
    return best


def polygon_text(polygon: Sequence[Point]) -> str:
    """``[[x, y], ...]`` with integer pixel coordinates (TextHarmony's ``str(points)``)."""
    return str([[round(x), round(y)] for x, y in polygon])


def detection_text(regions: Sequence[OCRLine]) -> str:
    """``[[[x, y], ...], ...]``: TextHarmony's "Locate all the text" answer; ``[]`` when
    empty."""
    return str([[[round(x), round(y)] for x, y in r.polygon] for r in regions])


def spotting_text(regions: Sequence[OCRLine]) -> str:
    """``['[[x, y], ...] word', ...]``: TextHarmony's "Locate and extract" answer (Python's
    ``str`` of a list of strings, quotes escaped as Python does); ``[]`` when empty."""
    return str([f"{polygon_text(r.polygon)} {r.text.strip()}" for r in regions])
