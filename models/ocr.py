"""What every OCR-engine adapter shares: lines with polygons, reading order, request handling.

An OCR engine (RapidOCR, Tesseract) is a text-recognition specialist. Its adapter implements
two things: :meth:`OCREngineModel.read`, which runs the engine on one image and returns the
:class:`OCRLine` objects it found (text, polygon in pixels, confidence in [0, 1]), and
:meth:`OCREngineModel.engine_spec`, which names the engine, its version and its models for
``run.json``. This module turns that into a batched :class:`~harmonybench.model.ModelAdapter`:

- a ``recognition`` request (a cropped word or line image) is answered with the recognised
  lines joined by one space in reading order (:func:`reading_order`: top to bottom, then left
  to right within a row);
- every other kind is answered with :func:`~harmonybench.model.unsupported_outputs` (recorded,
  never scored);
- a request without an image, an image that cannot be opened, or an engine error on one image
  gives that sample an ``Output(error=...)``; the other samples of the batch are unaffected.

The engine is checked for at construction (a missing package or binary raises
:class:`EngineUnavailableError` naming what to install) but loaded on first use.
Keeping the lines' polygons and confidences makes the grounding, detection and spotting kinds
a matter of formatting :meth:`OCREngineModel.read`'s result.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import HarmonyBenchError
from harmonybench.model import GenerationContext, ModelAdapter, ModelArgError, unsupported_outputs
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


def check_args(adapter: str, args: Mapping[str, str], known: Iterable[str]) -> None:
    """Reject ``--model-arg`` keys outside ``known``, naming the known ones."""
    allowed = sorted(known)
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise ModelArgError(
            f"{adapter}: unknown --model-arg {', '.join(unknown)} "
            f"(known: {', '.join(allowed) or 'none'})"
        )


class OCREngineModel(ModelAdapter):
    """Base of the OCR-engine adapters: recognition requests in, recognised text out.

    Subclasses set :attr:`name` and :attr:`install_hint`, parse their ``--model-arg`` values in
    ``__init__`` (after calling this one), and implement :meth:`read` and :meth:`engine_spec`.
    """

    kinds: ClassVar[frozenset[RequestKind]] = frozenset({"recognition"})
    install_hint: ClassVar[str] = ""
    """What to install when the engine is missing (shown in :class:`EngineUnavailableError`)."""

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

    @abstractmethod
    def read(self, image: Image.Image) -> list[OCRLine]:
        """Run the engine on one RGB image; the lines it found, in any order."""

    @abstractmethod
    def engine_spec(self) -> dict[str, Any]:
        """The engine's name, version, models and settings (recorded in ``run.json``)."""

    def spec(self) -> dict[str, Any]:
        """The adapter spec plus :meth:`engine_spec` under ``engine``."""
        return {**super().spec(), "engine": self.engine_spec()}

    def recognize(self, request: Request) -> Output:
        """Answer one recognition request (errors on this sample become ``Output.error``)."""
        if not request.images:
            return Output(sample_id=request.sample_id,
                          error="recognition request has no image")
        if len(request.images) > 1:
            return Output(
                sample_id=request.sample_id,
                error=f"recognition reads one image, the request has {len(request.images)}",
            )
        ref = request.images[0]
        try:
            image = ref.open()
        except Exception as exc:
            return Output(sample_id=request.sample_id,
                          error=f"cannot open image {ref.describe()}: {exc}")
        try:
            lines = self.read(image)
        except EngineUnavailableError:
            raise
        except Exception as exc:
            return Output(sample_id=request.sample_id,
                          error=f"{self.name} failed: {type(exc).__name__}: {exc}")
        confidence = min((ln.confidence for ln in lines), default=0.0)
        return Output(
            sample_id=request.sample_id,
            text=join_lines(lines),
            metadata={"ocr_lines": len(lines), "ocr_min_confidence": round(confidence, 4)},
        )

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order; non-recognition kinds are unsupported."""
        outputs: list[Output] = []
        for request in requests:
            if request.kind in self.kinds:
                outputs.append(self.recognize(request))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs
