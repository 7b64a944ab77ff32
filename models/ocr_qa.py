"""``ocr-qa``: answer VQA questions from OCR output alone, the OCR-only baseline.

The TextVQA literature measures how far reading alone goes (LoRRA's "OCR" baselines pick an
OCR token; Singh et al., CVPR 2019, Table 1). This adapter is harmonybench's own version of
that idea, a deterministic rule with no learned parts, so that a model's VQA score can be read
against what plain OCR already gets:

1. The image is read by an OCR engine (``--model-arg engine=rapidocr|tesseract``, detection
   on) into lines with their boxes.
2. **Key-value**: a line ``KEY: VALUE`` / ``KEY VALUE`` whose key best matches the question
   (rapidfuzz ``token_set_ratio`` of the key against the question with its wh-words removed,
   at least ``key_threshold``, default 70) answers with its value. The key may also be on the
   line above the value (forms).
3. **Typed questions**: "what year" -> the first 4-digit year; "how much / price / total /
   cost" -> the first money amount; "what number / how many / what time / what date" -> the
   first token of that shape.
4. **Otherwise** the most prominent line: the tallest text (signs print their name largest),
   ties broken by length and reading order.

An empty reading answers ``""``. The rule, its thresholds and the engine's identity are in
``spec()``. Requests of the other text-out kinds (recognition, and grounding/detection/spotting
where the engine serves them) are passed to the engine itself, so that ``ocr-qa`` is a whole
OCR system on every text-out task.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from harmonybench.errors import ImageError
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.ocr import OCREngineModel, check_args
from harmonybench.models.ocr_lines import OCRLine, reading_order
from harmonybench.schema import TEXT_OUT_KINDS, Output, Request, RequestKind

WH_WORDS = frozenset(
    "what which who whom whose where when how is are was were the a an of in on to for this "
    "that does do did written shown says say value answer question using text image directly "
    "please".split()
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONEY = re.compile(r"[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*\.\d\d\b")
_NUMBER = re.compile(r"\d[\d,./:-]*")
_KEY_VALUE = re.compile(r"^\s*([^:]{1,40}?)\s*[:：]\s*(.+?)\s*$")
_QUOTED_KEY = re.compile(r"['\"‘“](.+?)['\"’”]")


def question_words(question: str) -> str:
    """The question's content words (wh-words, articles and filler removed), lowercased."""
    words = re.findall(r"[A-Za-z0-9]+", question.lower())
    return " ".join(w for w in words if w not in WH_WORDS)


def key_values(lines: Sequence[OCRLine]) -> list[tuple[str, str]]:
    """``(key, value)`` pairs: ``KEY: VALUE`` lines, and a line ending in ``:`` above a value."""
    ordered = reading_order(lines)
    pairs: list[tuple[str, str]] = []
    for i, line in enumerate(ordered):
        text = line.text.strip()
        match = _KEY_VALUE.match(text)
        if match and match.group(2):
            pairs.append((match.group(1), match.group(2)))
        elif text.endswith((":", "：")) and i + 1 < len(ordered):
            pairs.append((text[:-1], ordered[i + 1].text.strip()))
    return pairs


def answer_from_lines(question: str, lines: Sequence[OCRLine], key_threshold: float = 70.0
                      ) -> tuple[str, str]:
    """The answer and the rule that chose it (``key-value``, ``year``, ..., ``prominent``)."""
    from rapidfuzz import fuzz

    texts = [ln.text.strip() for ln in reading_order(lines) if ln.text.strip()]
    if not texts:
        return "", "empty"
    quoted = _QUOTED_KEY.search(question)
    target = quoted.group(1).lower() if quoted else question_words(question)
    best: tuple[float, str] | None = None
    for key, value in key_values(lines):
        score = fuzz.token_set_ratio(key.lower(), target)
        if score >= key_threshold and (best is None or score > best[0]):
            best = (score, value)
    if best is not None:
        return best[1], "key-value"
    lowered = question.lower()
    joined = "\n".join(texts)
    typed = (
        ("year", ("what year", "which year"), _YEAR),
        ("money", ("how much", "price", "total", "cost", "amount"), _MONEY),
        ("number", ("what number", "how many", "what time", "what date", "phone"), _NUMBER),
    )
    for rule, cues, pattern in typed:
        if any(cue in lowered for cue in cues):
            found = pattern.search(joined)
            if found:
                return found.group(0).strip(), rule
    prominent = max(
        enumerate(ln for ln in reading_order(lines) if ln.text.strip()),
        key=lambda item: (round(item[1].bottom - item[1].top), len(item[1].text), -item[0]),
    )[1]
    return prominent.text.strip(), "prominent"


class OCRQuestionAnswering(ModelAdapter):
    """Answers VQA questions from OCR output alone (the OCR-only baseline)."""

    name: ClassVar[str] = "ocr-qa"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS
    """VQA here; the other text-out kinds as far as the engine serves them (``supports``)."""

    def __init__(self, location: str | None = None, *, device: str | None = None,
                 dtype: str | None = None, **args: str) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        if location:
            raise ModelArgError("ocr-qa takes no location; --model-arg engine=rapidocr|tesseract")
        check_args(self.name, args, {"engine", "key_threshold"})
        self.key_threshold = float(parse_number("key_threshold",
                                                args.get("key_threshold", "70")))
        engine = args.get("engine", "rapidocr")
        # Two configurations of one engine: a page reader (text detection on) for questions
        # about whole images, and the engine's own defaults for the other text-out kinds.
        self.page_reader: OCREngineModel
        self.engine: OCREngineModel
        if engine == "rapidocr":
            from harmonybench.models.rapidocr_engine import RapidOCRModel

            self.page_reader, self.engine = RapidOCRModel(use_det="true"), RapidOCRModel()
        elif engine == "tesseract":
            from harmonybench.models.tesseract_engine import TesseractModel

            self.page_reader, self.engine = TesseractModel(psm="3"), TesseractModel()
        else:
            raise ModelArgError(f"ocr-qa: --model-arg engine={engine!r}: rapidocr or tesseract")
        self.frame = self.engine.frame

    def spec(self) -> dict[str, Any]:
        """The rule's settings and the engine's identity."""
        return {**super().spec(), "rule": "key-value > typed > prominent",
                "key_threshold": self.key_threshold,
                "page_reader": self.page_reader.engine_spec(),
                "engine": self.engine.engine_spec()}

    def supports(self, kind: RequestKind) -> bool:
        """VQA, and whatever the engine serves."""
        return kind == "vqa" or self.engine.supports(kind)

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One answer per request: VQA by the rule, other kinds by the engine."""
        outputs: list[Output] = []
        for request in requests:
            if request.kind != "vqa":
                if self.engine.supports(request.kind):
                    outputs.extend(self.engine.generate([request], context))
                else:
                    outputs.extend(unsupported_outputs([request], self.name))
                continue
            if len(request.images) != 1:
                outputs.append(Output(sample_id=request.sample_id,
                                      error=f"ocr-qa reads one image, got {len(request.images)}"))
                continue
            try:
                lines = self.page_reader.read(request.images[0].open())
            except ImageError as exc:  # names the file
                outputs.append(Output(sample_id=request.sample_id, error=str(exc)))
                continue
            except Exception as exc:
                outputs.append(Output(sample_id=request.sample_id,
                                      error=f"{type(exc).__name__}: {exc}"))
                continue
            answer, rule = answer_from_lines(request.question or "", lines, self.key_threshold)
            outputs.append(Output(sample_id=request.sample_id, text=answer,
                                  metadata={"rule": rule, "ocr_lines": len(lines)}))
        return outputs
