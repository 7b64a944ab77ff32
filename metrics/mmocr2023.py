"""The 2023 MultimodalOCR study's scoring rules (*On the Hidden Mystery of OCR in Large
Multimodal Models*, Liu et al., arXiv 2305.07895 v1): protocols ``mmocr-2023`` and
``mmocr-2023-space``.

Reference: Yuliang-Liu/MultimodalOCR ``eval.py`` at e22b12b169ad (2023-06-09), functions
``evaluate_VQA`` (with ``VQAEval``), ``evaluate_OCR``, ``evaluate_Formula``, ``has_word`` and
``remove_special_chars``. These are **not** the OCRBench v1 rules (plain lowercase substring,
:mod:`harmonybench.metrics.ocrbench`). Each answer file of that study holds one dataset, named
by the file (``textVQA.json``, ``ct80.json``...); the rule is chosen by that name, which the
``mmocr-2023`` task keeps in ``sample.metadata["dataset"]``.

- **VQA rule** (:data:`VQA_DATASETS`: the VQA sets and the KIE sets SROIE, FUNSD, POIE): the
  prediction and every ground truth go through the official VQA normalisation
  (:func:`harmonybench.metrics.vqa_normalize.normalize_official_prediction`: ``\\n``/``\\t`` to
  spaces, strip, punctuation, lowercase, number words, articles, contractions; the period step
  removes at most 32 periods because ``re.UNICODE`` lands in ``count``). The question is right
  when some normalised ground truth occurs in the normalised prediction as a word-bounded match,
  ``re.search(r"\\b" + re.escape(gt) + r"\\b", prediction)`` (:func:`has_word`).
- **OCR rule** (:data:`OCR_DATASETS`, word recognition): every character outside
  ``[a-zA-Z0-9\\s]`` is deleted from both strings, which are then lowercased, and matched the same
  word-bounded way. ``\\s`` is Python's Unicode white space.
- **HME rule** (``HME``): every white-space run is removed from both strings, then plain,
  case-sensitive substring containment.
- ``mmocr-2023-space``: the variant the study's ``MiniGPT4/result1.json`` reports (its ``help``
  key: special characters replaced by " " instead of ""). Only the OCR rule changes.

Boundary cases inherited from the reference: an empty normalised ground truth matches any
prediction that has a word character (``\\b\\b`` finds a boundary) and no empty prediction; the
ReCTS rule (Chinese characters only) is not implemented, so a ``ReCTS`` file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from harmonybench.answer_files import (
    MMOCR_DATASETS,
    MMOCR_HME_DATASETS,
    MMOCR_OCR_DATASETS,
    MMOCR_VQA_DATASETS,
)
from harmonybench.errors import DataError
from harmonybench.meaning import FRACTION, MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.metrics.vqa_normalize import normalize_official_prediction
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

VQA_DATASETS = MMOCR_VQA_DATASETS
OCR_DATASETS = MMOCR_OCR_DATASETS
HME_DATASETS = MMOCR_HME_DATASETS
DATASETS = MMOCR_DATASETS

_SPECIAL = re.compile(r"[^a-zA-Z0-9\s]")
_WHITE = re.compile(r"\s+")


def has_word(sentence: str, word: str) -> bool:
    """Whether ``word`` occurs in ``sentence`` between word boundaries (``\\b``, Unicode)."""
    return re.search(r"\b" + re.escape(word) + r"\b", sentence) is not None


def ocr_form(text: str, replacement: str = "") -> str:
    """``text`` with every character outside ``[a-zA-Z0-9\\s]`` replaced, then lowercased."""
    return _SPECIAL.sub(replacement, text).lower()


def hme_form(text: str) -> str:
    """``text`` without any white space (``re.sub(r"\\s+", "", text)``)."""
    return _WHITE.sub("", text)


def dataset_of(sample: Sample) -> str:
    """The sample's dataset name (``metadata["dataset"]``), checked to be a known one.

    Raises:
        DataError: missing, or not one of :data:`DATASETS`.
    """
    value = sample.metadata.get("dataset")
    if value not in DATASETS:
        problem = "missing" if value is None else f"{value!r} is not one of the study's datasets"
        raise DataError(
            sample.task or "<samples>",
            f"mmocr-2023 metadata 'dataset' {problem} (known: {', '.join(DATASETS)}; ReCTS is "
            "not implemented)",
            record=f"sample {sample.id}",
            field="dataset",
        )
    return str(value)


class MMOCR2023(Protocol):
    """The 2023 MultimodalOCR study's rule per dataset (see the module docstring).

    Reference: Yuliang-Liu/MultimodalOCR ``eval.py`` @e22b12b169ad, ``evaluate_VQA``,
    ``evaluate_OCR`` and ``evaluate_Formula``; reproduces every ``answer_save/*/result.json``
    value of its answer files.

    :meth:`aggregate` returns ``accuracy`` (correct / n over every sample given), one fraction
    per dataset present, named by the dataset (``ct80``, ``textVQA``...; the number
    ``result.json`` prints), and ``datasets``: ``{name: {"correct": c, "total": t}}``.
    """

    name: ClassVar[str] = "mmocr-2023"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(
        accuracy=MAIN, **{dataset: FRACTION for dataset in DATASETS})
    reference: ClassVar[str] = (
        "Yuliang-Liu/MultimodalOCR eval.py @e22b12b169ad evaluate_VQA / evaluate_OCR / "
        "evaluate_Formula"
    )
    summary: ClassVar[str] = (
        "MultimodalOCR 2023 study: VQA-normalised word match, alphanumeric word match for "
        "recognition, HME without spaces"
    )
    tasks: ClassVar[tuple[str, ...]] = ("mmocr-2023",)
    replacement: ClassVar[str] = ""
    """What the OCR rule puts in place of each special character."""

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the sample's dataset rule finds a ground truth in ``prediction``.

        Raises:
            DataError: no answers, or no known ``dataset`` in the metadata.
        """
        answers = require_answers(sample, self.name)
        dataset = dataset_of(sample)
        if dataset in HME_DATASETS:
            text = hme_form(prediction)
            return float(any(hme_form(gt) in text for gt in answers))
        if dataset in OCR_DATASETS:
            text = ocr_form(prediction, self.replacement)
            return float(any(has_word(text, ocr_form(gt, self.replacement)) for gt in answers))
        text = normalize_official_prediction(prediction)
        return float(any(has_word(text, normalize_official_prediction(gt)) for gt in answers))

    def aggregate(self, scores: Sequence[float], samples: Sequence[Sample]) -> dict[str, Any]:
        """Overall accuracy, each dataset's accuracy, and per-dataset correct/total counts.

        Raises:
            ValueError: ``scores`` and ``samples`` differ in length.
            DataError: a sample has no known ``dataset``.
        """
        if len(scores) != len(samples):
            raise ValueError("scores and samples differ in length")
        counts: dict[str, list[int]] = {}
        for value, sample in zip(scores, samples, strict=True):
            cell = counts.setdefault(dataset_of(sample), [0, 0])
            cell[0] += int(value >= 1.0)
            cell[1] += 1
        order = [d for d in DATASETS if d in counts]
        correct = sum(c for c, _ in counts.values())
        out: dict[str, Any] = {self.metric: correct / len(samples) if samples else 0.0}
        out.update({d: counts[d][0] / counts[d][1] for d in order})
        out["datasets"] = {d: {"correct": counts[d][0], "total": counts[d][1]} for d in order}
        return out


class MMOCR2023Space(MMOCR2023):
    """The study's ``result1.json`` variant: the OCR rule puts a space where it deletes.

    Reference: Yuliang-Liu/MultimodalOCR ``answer_save/MiniGPT4/result1.json`` @e22b12b169ad,
    whose ``help`` key says special characters were replaced by " " instead of "" (the
    ``remove_special_chars`` step of ``eval.py`` ``evaluate_OCR``); the VQA and HME rules are
    those of ``mmocr-2023``.
    """

    name: ClassVar[str] = "mmocr-2023-space"
    reference: ClassVar[str] = (
        "Yuliang-Liu/MultimodalOCR eval.py @e22b12b169ad evaluate_OCR, special characters "
        "replaced by a space (answer_save/MiniGPT4/result1.json)"
    )
    summary: ClassVar[str] = (
        "MultimodalOCR 2023 study, result1.json variant: special characters become spaces"
    )
    replacement: ClassVar[str] = " "
