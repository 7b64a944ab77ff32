"""What every OCR-engine adapter shares: lines and words with polygons, reading order, and
the four request kinds an OCR engine serves.

An OCR engine (RapidOCR, Tesseract) is a text-recognition specialist. Its adapter implements
:meth:`OCREngineModel.read`, which runs the engine on one image as a recognition crop and
returns the :class:`OCRLine` objects it found (text, polygon in pixels, confidence in [0, 1]),
:meth:`OCREngineModel.read_page`, which reads a whole image with the engine's detector and
returns its lines and their words (:class:`Page`), and :meth:`OCREngineModel.engine_spec`,
which names the engine, its version and its models for ``run.json``. This module turns that
into a batched :class:`~harmonybench.model.ModelAdapter`:

- ``recognition`` (a cropped word or line): the recognised lines joined by one space in
  reading order (:func:`reading_order`: top to bottom, then left to right within a row);
- ``grounding`` (``Where is "WORD" in this image?``; the word is ``request.metadata["word"]``,
  else the quoted text of the question): the polygon of the detected text that matches the
  word best (:func:`find_text`: words, runs of as many consecutive words of a line as the
  query has, and whole lines, compared with ``rapidfuzz.fuzz.ratio`` after
  ``rapidfuzz.utils.default_process``, i.e. lowercase and without punctuation), answered as
  ``[[x, y], [x, y], [x, y], [x, y]]`` (TextHarmony's syntax) in **image pixels**. When no
  candidate reaches ``match_threshold`` (or nothing was detected), the answer is ``""``: the
  coordinate parser reports it as unparseable ("empty output"), so the sample scores 0 and is
  counted under ``unparseable``, never dropped;
- ``detection``: every detected word (or line, ``level=line``) in reading order, as
  ``[[[x, y], ...], [[x, y], ...]]`` (TextHarmony's ``str(list_of_polygons)``); nothing found
  is ``[]`` (unparseable: zero detections);
- ``spotting``: the same with each word, as TextHarmony's ``str(['[[x, y], ...] word',
  ...])``; nothing found is ``[]``.

The three region kinds answer in the **pixel frame**: every such output carries
``Output.metadata["frame"] = "pixel"``; read their scores under the ``-pixel`` protocols
(``grounding-acc@0.5-box-pixel``, ``detection-icdar-pixel``, ``spotting-icdar-pixel``).
Coordinates are rounded to integers.

Words: engines that give word boxes use them (Tesseract's TSV, RapidOCR's
``return_word_box``); otherwise :func:`split_words` cuts a line's quadrilateral along its
top and bottom edges in proportion to character positions (a line of 12 characters whose
second word starts at character 8 is cut at 8/12 of its width). Lines that are not
quadrilaterals are first replaced by their bounding box.

``--model-arg`` settings shared by the engines: ``level`` (``word``, default, or ``line``:
what ``detection`` and ``spotting`` answer) and ``match_threshold`` (0-100, default
``70``: the lowest ``fuzz.ratio`` a grounding match may have).

Per request: a request without an image, an image that cannot be opened, or an engine error
on one image gives that sample an ``Output(error=...)``; the other samples of the batch are
unaffected. Other kinds are answered with :func:`~harmonybench.model.unsupported_outputs`.
The engine is checked for at construction (a missing package or binary raises
:class:`EngineUnavailableError` naming what to install) but loaded on first use.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from harmonybench.errors import HarmonyBenchError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.schema import Output, Request, RequestKind

if TYPE_CHECKING:
    from PIL import Image

Point = tuple[float, float]


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


PERCEPTION_ARGS: tuple[str, ...] = ("level", "match_threshold")
"""``--model-arg`` keys every OCR engine takes for the region kinds (see the module docstring)."""
Level = Literal["word", "line"]
FRAME = "pixel"
"""The coordinate frame OCR engines answer in (``Output.metadata["frame"]``)."""
DEFAULT_MATCH_THRESHOLD = 70.0
_QUOTED_WORD = re.compile(r'"(.+)"')


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


def query_word(request: Request) -> str | None:
    """The word a grounding request asks for: ``metadata["word"]``, else the text between
    the first and last double quote of the question (``Where is "WORD" in this image?``)."""
    word = request.metadata.get("word")
    if isinstance(word, str) and word.strip():
        return word
    m = _QUOTED_WORD.search(request.question or request.prompt or "")
    return m.group(1) if m and m.group(1).strip() else None


def check_args(adapter: str, args: Mapping[str, str], known: Iterable[str]) -> None:
    """Reject ``--model-arg`` keys outside ``known``, naming the known ones."""
    allowed = sorted(known)
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise ModelArgError(
            f"{adapter}: unknown --model-arg {', '.join(unknown)} "
            f"(known: {', '.join(allowed) or 'none'})"
        )


def parse_level(value: str) -> Level:
    """``word`` or ``line``."""
    lowered = value.strip().lower()
    if lowered == "word":
        return "word"
    if lowered == "line":
        return "line"
    raise ModelArgError(f"--model-arg level={value!r}: expected word or line")


def parse_threshold(value: str) -> float:
    """A number from 0 to 100."""
    number = float(parse_number("match_threshold", value))
    if not 0 <= number <= 100:
        raise ModelArgError(f"--model-arg match_threshold={value!r}: expected a number from 0 "
                            "to 100")
    return number


class OCREngineModel(ModelAdapter):
    """Base of the OCR-engine adapters: recognition, grounding, detection and spotting.

    Subclasses set :attr:`name` and :attr:`install_hint`, parse their ``--model-arg`` values in
    ``__init__`` (after calling this one, which reads :data:`PERCEPTION_ARGS`; include those
    keys in the subclass's own check), and implement :meth:`read` and :meth:`engine_spec`;
    :meth:`read_page` reads a whole image with :meth:`read` and cuts words from its lines
    unless overridden.
    """

    kinds: ClassVar[frozenset[RequestKind]] = frozenset(
        {"recognition", "grounding", "detection", "spotting"}
    )
    install_hint: ClassVar[str] = ""
    """What to install when the engine is missing (shown in :class:`EngineUnavailableError`)."""
    frame = FRAME

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if location:
            raise ModelArgError(
                f"{self.name} takes no location (got {self.name}:{location}); its models "
                f"come with the engine, settings are --model-arg KEY=VALUE"
            )
        self.level: Level = parse_level(args.get("level", "word"))
        self.match_threshold = parse_threshold(args.get("match_threshold",
                                                        str(DEFAULT_MATCH_THRESHOLD)))

    @abstractmethod
    def read(self, image: Image.Image) -> list[OCRLine]:
        """Run the engine on one RGB image read as a recognition crop; the lines it found."""

    def read_page(self, image: Image.Image) -> Page:
        """Read a whole RGB image: its lines and their words (for the region kinds).

        By default :meth:`read`'s lines with words cut by :func:`split_words`.
        """
        return page_from_lines(self.read(image))

    @abstractmethod
    def engine_spec(self) -> dict[str, Any]:
        """The engine's name, version, models and settings (recorded in ``run.json``)."""

    def spec(self) -> dict[str, Any]:
        """The adapter spec plus :meth:`engine_spec` under ``engine``."""
        return {**super().spec(), "engine": self.engine_spec()}

    def _image(self, request: Request) -> Image.Image | Output:
        """The request's one image, or the error output that replaces the answer."""
        if not request.images:
            return Output(sample_id=request.sample_id,
                          error=f"{request.kind} request has no image")
        if len(request.images) > 1:
            return Output(
                sample_id=request.sample_id,
                error=f"{request.kind} reads one image, the request has {len(request.images)}",
            )
        ref = request.images[0]
        try:
            return ref.open()
        except Exception as exc:
            return Output(sample_id=request.sample_id, error=str(exc))  # names the file

    def _failed(self, request: Request, exc: Exception) -> Output:
        if isinstance(exc, EngineUnavailableError):
            raise exc
        return Output(sample_id=request.sample_id,
                      error=f"{self.name} failed: {type(exc).__name__}: {exc}")

    def recognize(self, request: Request) -> Output:
        """Answer one recognition request (errors on this sample become ``Output.error``)."""
        image = self._image(request)
        if isinstance(image, Output):
            return image
        try:
            lines = self.read(image)
        except Exception as exc:
            return self._failed(request, exc)
        confidence = min((ln.confidence for ln in lines), default=0.0)
        return Output(
            sample_id=request.sample_id,
            text=join_lines(lines),
            metadata={"ocr_lines": len(lines), "ocr_min_confidence": round(confidence, 4)},
        )

    def locate(self, request: Request, pages: dict[str, Page] | None = None) -> Output:
        """Answer one grounding, detection or spotting request in pixel coordinates.

        Args:
            request: the request.
            pages: pages already read in this batch, by image (grounding asks about several
                words of one image); the page read here is added.
        """
        word = query_word(request) if request.kind == "grounding" else None
        if request.kind == "grounding" and word is None:
            return Output(sample_id=request.sample_id,
                          error='grounding request names no word (metadata "word" or a '
                                'quoted word in the question)')
        key = request.images[0].to_json() if len(request.images) == 1 else None
        page = pages.get(key) if pages is not None and key is not None else None
        if page is None:
            image = self._image(request)
            if isinstance(image, Output):
                return image
            try:
                page = self.read_page(image)
            except Exception as exc:
                return self._failed(request, exc)
            if pages is not None and key is not None:
                pages[key] = page
        metadata: dict[str, Any] = {"frame": FRAME, "ocr_lines": len(page.lines),
                                    "ocr_words": len(page.all_words)}
        if word is not None:
            match = find_text(page, word, self.match_threshold)
            metadata["match"] = match.region.text if match else None
            metadata["match_score"] = round(match.score, 2) if match else None
            text = polygon_text(match.region.polygon) if match else ""
        else:
            regions = page.regions(self.level)
            metadata["level"] = self.level
            text = (spotting_text(regions) if request.kind == "spotting"
                    else detection_text(regions))
        return Output(sample_id=request.sample_id, text=text, metadata=metadata)

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order; kinds outside :attr:`kinds` are unsupported.

        An image is read once per batch for the region kinds (several grounding queries of
        one image share its page).
        """
        outputs: list[Output] = []
        pages: dict[str, Page] = {}
        for request in requests:
            if request.kind not in self.kinds:
                outputs.extend(unsupported_outputs([request], self.name))
            elif request.kind == "recognition":
                outputs.append(self.recognize(request))
            else:
                outputs.append(self.locate(request, pages))
        return outputs
