"""``rapidocr``: PP-OCR through RapidOCR 3.x (ONNX Runtime, CPU), a text-recognition specialist
serving ``recognition``, ``grounding``, ``detection`` and ``spotting`` requests (see
:mod:`harmonybench.models.ocr` for what each answers; the region kinds answer in pixels).

RapidOCR 3.x ships its default models in the wheel (PP-OCRv6 small detector and recogniser,
the PP-OCR mobile v2.0 orientation classifier), and only that default configuration works
offline: any other ``ocr_version``, ``model_type`` or ``lang_type`` makes RapidOCR download
models, so none of those is offered here. ``spec()`` records the package version, the ONNX
Runtime version and the model keys RapidOCR resolves its configuration to.

``--model-arg`` settings (all offline-safe):

- ``use_det`` (default ``false``): ``false`` reads the whole request image as one text line
  with the recogniser alone, the way PP-OCR recognition models are evaluated on word and line
  crops (and what Tesseract's ``--psm 7`` does); ``true`` runs the detector first and joins
  the lines it finds in reading order (for crops that hold several lines).
- ``use_cls`` (default ``true``, RapidOCR's default): the 0/180 degree orientation classifier.
- ``text_score`` (default ``0.5``, RapidOCR's default): RapidOCR drops detected lines whose
  recognition score is below it. RapidOCR applies it only with the detector, so with
  ``use_det=false`` the recogniser's text is kept whatever its score.
- ``box_thresh`` (default ``0.5``) and ``unclip_ratio`` (default ``1.6``): the detector's
  box score threshold and box expansion (RapidOCR's ``Det`` settings; used with ``use_det``
  and for the region kinds).
- ``level`` and ``match_threshold``: see :mod:`harmonybench.models.ocr`.

Grounding, detection and spotting requests always run the detector (``use_det`` is the
recognition setting) with ``return_word_box=True``: RapidOCR then cuts each detected line
into word boxes from the recogniser's character positions (for Latin text, one box per
space-separated word). A line without word boxes has its words cut proportionally
(:func:`~harmonybench.models.ocr_lines.split_words`). Every call passes ``use_det`` and
``return_word_box`` explicitly, because RapidOCR keeps per-call settings for the calls that
follow.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.model import ModelArgError, parse_bool, parse_number
from harmonybench.models.ocr import PERCEPTION_ARGS, OCREngineModel, check_args
from harmonybench.models.ocr_lines import (
    EngineUnavailableError,
    OCRLine,
    Page,
    box_polygon,
    split_words,
)

if TYPE_CHECKING:
    from PIL import Image

_INSTALL = "pip install 'rapidocr>=3,<4' onnxruntime  (or: pip install 'harmonybench[models]')"
_ARGS: tuple[str, ...] = ("use_det", "use_cls", "text_score", "box_thresh", "unclip_ratio",
                          *PERCEPTION_ARGS)


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _number(key: str, value: str | None, default: float, *, upper: float | None) -> float:
    """``value`` as a float (``default`` when not given), from 0 up to ``upper``."""
    if value is None:
        return default
    number = float(parse_number(key, value))
    if number < 0 or (upper is not None and number > upper):
        bound = f"from 0 to {upper:g}" if upper is not None else "of 0 or more"
        raise ModelArgError(f"--model-arg {key}={value!r}: expected a number {bound}")
    return number


class RapidOCRModel(OCREngineModel):
    """PP-OCR (RapidOCR 3.x, bundled PP-OCRv6 small models) as a text-perception specialist."""

    name: ClassVar[str] = "rapidocr"
    install_hint: ClassVar[str] = _INSTALL

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        check_args(self.name, args, _ARGS)
        self.use_det = parse_bool("use_det", args.get("use_det", "false"))
        self.use_cls = parse_bool("use_cls", args.get("use_cls", "true"))
        self.text_score = _number("text_score", args.get("text_score"), 0.5, upper=1.0)
        self.box_thresh = _number("box_thresh", args.get("box_thresh"), 0.5, upper=1.0)
        self.unclip_ratio = _number("unclip_ratio", args.get("unclip_ratio"), 1.6, upper=None)
        self.version = self._check_installed()
        self._engine: Any = None

    def _check_installed(self) -> str:
        missing = [m for m in ("rapidocr", "onnxruntime") if importlib.util.find_spec(m) is None]
        if missing:
            raise EngineUnavailableError(
                f"rapidocr adapter: {' and '.join(missing)} not installed; {_INSTALL}"
            )
        found = _package_version("rapidocr") or "unknown"
        if not found.split(".")[0].isdigit() or int(found.split(".")[0]) != 3:
            raise EngineUnavailableError(
                f"rapidocr adapter: needs rapidocr 3.x (its models ship in the wheel), "
                f"found {found}; {_INSTALL}"
            )
        return found

    def engine(self) -> Any:
        """The RapidOCR engine, built on first use (its models load on the first image)."""
        if self._engine is None:
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params={
                "Global.log_level": "error",
                "Global.use_det": self.use_det,
                "Global.use_cls": self.use_cls,
                "Global.use_rec": True,
                "Global.text_score": self.text_score,
                "Det.box_thresh": self.box_thresh,
                "Det.unclip_ratio": self.unclip_ratio,
            })
        return self._engine

    def read(self, image: Image.Image) -> list[OCRLine]:
        """Lines found in ``image`` (one line covering the image when ``use_det`` is off)."""
        result = self.engine()(image, use_det=self.use_det, return_word_box=False)
        return _lines(result, image)

    def read_page(self, image: Image.Image) -> Page:
        """Lines and word boxes of a whole image, with the detector on."""
        result = self.engine()(image, use_det=True, return_word_box=True)
        lines = _lines(result, image)
        word_results = getattr(result, "word_results", None) or ()
        words = []
        for i, line in enumerate(lines):
            found = _word_boxes(word_results[i]) if len(word_results) == len(lines) else None
            words.append(tuple(found) if found else tuple(split_words(line)))
        return Page(lines=tuple(lines), words=tuple(words))

    def model_keys(self, use_det: bool | None = None) -> dict[str, str]:
        """The model RapidOCR resolves each stage it runs to (``det``, ``cls``, ``rec``).

        Args:
            use_det: whether the detector runs (default: the ``use_det`` setting, that of
                recognition requests; the region kinds always run it).
        """
        cfg = self.engine().cfg
        detector = self.use_det if use_det is None else use_det
        stages = [("det", cfg.Det)] if detector else []
        stages += [("cls", cfg.Cls)] if self.use_cls else []
        stages.append(("rec", cfg.Rec))
        keys: dict[str, str] = {}
        for stage, section in stages:
            try:
                from rapidocr.utils.model_resolver import route_to_model_key

                key = route_to_model_key(section.task_type, section.ocr_version,
                                         section.lang_type, section.model_type)
            except Exception:  # a resolver that moved in a later 3.x: describe the config
                key = None
            keys[stage] = str(key) if key else (
                f"{section.ocr_version.value}_{stage}_{section.model_type.value}"
            )
        return keys

    def engine_spec(self) -> dict[str, Any]:
        """rapidocr and onnxruntime versions, the models used (``models`` for recognition,
        ``page_models`` for the region kinds), and the settings."""
        return {
            "name": "rapidocr",
            "version": self.version,
            "onnxruntime": _package_version("onnxruntime"),
            "models": self.model_keys(),
            "use_det": self.use_det,
            "use_cls": self.use_cls,
            "text_score": self.text_score,
            "box_thresh": self.box_thresh,
            "unclip_ratio": self.unclip_ratio,
            "page_models": self.model_keys(use_det=True),
            "level": self.level,
            "match_threshold": self.match_threshold,
        }


def _lines(result: Any, image: Image.Image) -> list[OCRLine]:
    """The lines of a RapidOCR result (one covering the image when it has no boxes)."""
    texts = getattr(result, "txts", None) or ()
    scores = getattr(result, "scores", None) or ()
    boxes = getattr(result, "boxes", None)
    width, height = image.size
    lines = []
    for i, text in enumerate(texts):
        if boxes is not None and len(boxes) == len(texts):
            polygon = tuple((float(x), float(y)) for x, y in boxes[i])
        else:
            polygon = box_polygon(0.0, 0.0, float(width), float(height))
        score = float(scores[i]) if i < len(scores) else 0.0
        lines.append(OCRLine(text=str(text), polygon=polygon, confidence=score))
    return lines


def _word_boxes(entries: Any) -> list[OCRLine] | None:
    """RapidOCR's ``word_results`` of one line (``((word, score, box), ...)``) as words, or
    ``None`` when any entry lacks a four-point box."""
    words = []
    for entry in entries or ():
        try:
            text, score, box = entry
        except (TypeError, ValueError):
            return None
        if box is None or len(box) != 4 or not str(text).strip():
            return None
        polygon = tuple((float(x), float(y)) for x, y in box)
        words.append(OCRLine(text=str(text).strip(), polygon=polygon, confidence=float(score)))
    return words or None
