"""What every OCR-engine adapter shares: lines and words with polygons, reading order, and
the four request kinds an OCR engine serves.

An OCR engine (RapidOCR, Tesseract) is a text-recognition specialist. Its adapter implements
:meth:`OCREngineModel.read`, which runs the engine on one image as a recognition crop and
returns the :class:`~harmonybench.models.ocr_lines.OCRLine` objects it found (text, polygon in
pixels, confidence in [0, 1]), :meth:`OCREngineModel.read_page`, which reads a whole image with the
engine's detector and returns its lines and their words
(:class:`~harmonybench.models.ocr_lines.Page`), and :meth:`OCREngineModel.engine_spec`, which names
the engine, its version and its models for ``run.json``. This module turns that into a batched
:class:`~harmonybench.model.ModelAdapter`:

- ``recognition`` (a cropped word or line): the recognised lines joined by one space in
  reading order (:func:`~harmonybench.models.ocr_lines.reading_order`: top to bottom, then left to
  right within a row);
- ``grounding`` (``Where is "WORD" in this image?``; the word is ``request.metadata["word"]``,
  else the quoted text of the question): the polygon of the detected text that matches the
  word best (:func:`~harmonybench.models.ocr_lines.find_text`: words, runs of as many consecutive
  words of a line as the query has, and whole lines, compared with ``rapidfuzz.fuzz.ratio`` after
  ``rapidfuzz.utils.default_process``, i.e. lowercase and without punctuation), answered as ``[[x,
  y], [x, y], [x, y], [x, y]]`` (TextHarmony's syntax) in **image pixels**. When no candidate
  reaches ``match_threshold`` (or nothing was detected), the answer is ``""``: the coordinate parser
  reports it as unparseable ("empty output"), so the sample scores 0 and is counted under
  ``unparseable``, never dropped;
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
``return_word_box``); otherwise :func:`~harmonybench.models.ocr_lines.split_words` cuts a line's
quadrilateral along its top and bottom edges in proportion to character positions (a line of 12
characters whose second word starts at character 8 is cut at 8/12 of its width). Lines that are not
quadrilaterals are first replaced by their bounding box.

``--model-arg`` settings shared by the engines: ``level`` (``word``, default, or ``line``:
what ``detection`` and ``spotting`` answer) and ``match_threshold`` (0-100, default
``70``: the lowest ``fuzz.ratio`` a grounding match may have).

Per request: a request without an image, an image that cannot be opened, or an engine error
on one image gives that sample an ``Output(error=...)``; the other samples of the batch are
unaffected. Other kinds are answered with :func:`~harmonybench.model.unsupported_outputs`.
The engine is checked for at construction (a missing package or binary raises
:class:`~harmonybench.models.ocr_lines.EngineUnavailableError` naming what to install) but loaded on
first use.

The lines, pages, reading order and matching are in :mod:`~harmonybench.models.ocr_lines`.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.ocr_lines import (
    EngineUnavailableError,
    Level,
    OCRLine,
    Page,
    detection_text,
    find_text,
    join_lines,
    page_from_lines,
    polygon_text,
    spotting_text,
)
from harmonybench.schema import Output, Request, RequestKind

if TYPE_CHECKING:
    from PIL import Image

PERCEPTION_ARGS: tuple[str, ...] = ("level", "match_threshold")
"""``--model-arg`` keys every OCR engine takes for the region kinds (see the module docstring)."""
FRAME = "pixel"
"""The coordinate frame OCR engines answer in (``Output.metadata["frame"]``)."""
DEFAULT_MATCH_THRESHOLD = 70.0
_QUOTED_WORD = re.compile(r'"(.+)"')


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
