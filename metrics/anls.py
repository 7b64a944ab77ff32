"""ANLS: average normalised Levenshtein similarity (DocVQA, InfographicVQA, ST-VQA).

Two protocols, which differ only in how the strings are normalised and which lengths divide the
distance:

- ``anls`` follows the official RRC/DocVQA script;
- ``anls-monkey`` follows Monkey's and TextHarmony's own ``evaluateANLS``.

Per question, each answer ``a`` gives a normalised distance
``NL = lev(norm(a), norm(pred)) / max(len_a, len_pred)``, or ``0.0`` when that maximum is 0. The
question scores ``s = 1 - min(NL)`` over its answers, and ``s`` is set to 0 when ``s < 0.5``. An
``s`` of exactly 0.5 is kept, although the paper's formula says ``NL < 0.5``. All the references
compute the distance with a pure-Python dynamic programme over code points. Here it comes from
``rapidfuzz.distance.Levenshtein`` (unit costs, code points), which gives the same integers.
:meth:`ANLS.score_many` scores a whole list in one vectorised pass, with results identical to
:meth:`ANLS.score`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

THRESHOLD = 0.5
"""A question whose similarity is below this scores 0 (exactly 0.5 is kept)."""

_Lengths = npt.NDArray[np.int64]


def _lengths(values: Iterable[int], count: int) -> _Lengths:
    """An int64 array of ``count`` lengths."""
    return np.fromiter(values, dtype=np.int64, count=count)


def threshold(similarity: float) -> float:
    """``similarity``, or 0.0 when it is below :data:`THRESHOLD` (0.5 itself is kept)."""
    return 0.0 if similarity < THRESHOLD else similarity


class _ANLSBase(Protocol):
    """The ANLS skeleton: subclasses say how strings are normalised and measured."""

    metric: ClassVar[str] = "anls"
    metrics: ClassVar[MetricTable] = declare(anls=MAIN)
    tasks: ClassVar[tuple[str, ...]] = ("docvqa", "infovqa", "stvqa")

    @staticmethod
    @abstractmethod
    def prepare_answer(text: str) -> tuple[str, int]:
        """The normalised answer that enters the distance, and the length that divides it."""

    @staticmethod
    @abstractmethod
    def prepare_prediction(text: str) -> tuple[str, int]:
        """The normalised prediction that enters the distance, and its dividing length."""

    @staticmethod
    @abstractmethod
    def _prepare_answers(texts: list[str]) -> tuple[list[str], _Lengths]:
        """:meth:`prepare_answer` over a list, with C-level ``map`` calls only."""

    @staticmethod
    @abstractmethod
    def _prepare_predictions(texts: list[str]) -> tuple[list[str], _Lengths]:
        """:meth:`prepare_prediction` over a list, with C-level ``map`` calls only."""

    def score(self, prediction: str, sample: Sample) -> float:
        """The thresholded similarity of ``prediction`` to its closest answer, in [0, 1].

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        pred_text, pred_len = self.prepare_prediction(prediction)
        values = []
        for answer in answers:
            text, length = self.prepare_answer(answer)
            length = max(length, pred_len)
            dist = Levenshtein.distance(text, pred_text)
            values.append(0.0 if length == 0 else dist / length)
        return threshold(1.0 - min(values))

    def score_many(self, predictions: Sequence[str], samples: Sequence[Sample]) -> list[float]:
        """Score aligned lists in one pass: identical results to :meth:`score`, far faster.

        All (answer, prediction) pairs are flattened, normalised with C-level ``map`` calls,
        their distances computed by ``rapidfuzz.process.cpdist`` on every core, and the
        per-question minimum taken with ``numpy.minimum.reduceat``.

        Raises:
            ValueError: the two lists differ in length.
            DataError: a sample has no answers, or a non-string answer.
        """
        if len(predictions) != len(samples):
            raise ValueError("predictions and samples differ in length")
        if not samples:
            return []
        answer_lists = [sample.answers for sample in samples]
        counts = np.fromiter(map(len, answer_lists), dtype=np.int64, count=len(samples))
        if not counts.all():
            require_answers(samples[int(np.argmin(counts))], self.name)
        flat = list(chain.from_iterable(answer_lists))
        try:
            answer_texts, answer_lens = self._prepare_answers(flat)
            pred_texts, pred_lens = self._prepare_predictions(list(predictions))
        except (TypeError, AttributeError):
            for sample in samples:  # find the offending sample and report it
                require_answers(sample, self.name)
            raise
        choices = list(chain.from_iterable(map(repeat, pred_texts, counts.tolist())))
        dists = cpdist(
            answer_texts, choices, scorer=Levenshtein.distance, dtype=np.int64, workers=-1
        )
        lengths = np.maximum(answer_lens, np.repeat(pred_lens, counts))
        values = np.zeros(len(flat), dtype=np.float64)
        np.divide(dists, lengths, out=values, where=lengths > 0)
        starts = np.zeros(len(samples), dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        scores = 1.0 - np.minimum.reduceat(values, starts)
        scores[scores < THRESHOLD] = 0.0
        result: list[float] = scores.tolist()
        return result


class ANLS(_ANLSBase):
    """ANLS as the official RRC / DocVQA script computes it.

    Reference: the RRC script "downloaded from docvqa.org / RRC", as copied in
    Yuliang-Liu/Monkey ``project/mini_monkey/eval/vqa/infographicsvqa_eval.py`` at commit
    498e1d92baff, ``evaluate_method``. lmms-eval ``lmms_eval/api/metrics.py::anls`` and
    VLMEvalKit ``vlmeval/dataset/utils/vqa_eval.py::anls_compute`` (546ab517b6aa) give the same
    numbers.

    Rule and boundary cases:

    - Both strings are normalised as ``" ".join(s.strip().lower().split())``: lowercase, strip,
      and every run of whitespace (any ``str.isspace`` character, tabs and newlines included)
      collapsed into one space.
    - The denominator is ``max(len(answer.upper()), len(prediction.upper()))`` on the **raw**
      strings, before any normalisation: surrounding and repeated spaces count, and a
      character that uppercases to two ("ß" -> "SS", "ﬁ" -> "FI") counts twice.
    - When that denominator is 0 (both raw strings empty) the distance counts as 0, so the
      question scores 1. A whitespace-only answer and an empty prediction also score 1
      (both normalise to "").
    - A question scores ``1 - min`` over its answers, set to 0 when it is below 0.5; 0.5 itself
      is kept. Lowercasing can lengthen a string ("İ" lowercases to two code points), so the
      similarity can fall below 0, and is then set to 0 like any other low score.
    - The prediction is used as given. lmms-eval strips it before scoring; the RRC script and
      VLMEvalKit do not. Surrounding spaces only change the raw length in the denominator.
    """

    name: ClassVar[str] = "anls"
    reference: ClassVar[str] = (
        "Yuliang-Liu/Monkey project/mini_monkey/eval/vqa/infographicsvqa_eval.py "
        "@498e1d92baff (official RRC/DocVQA script), evaluate_method"
    )
    summary: ClassVar[str] = (
        "ANLS, official RRC script: lowercase, whitespace collapsed, raw-length denominator, "
        "< 0.5 -> 0"
    )

    @staticmethod
    def prepare_answer(text: str) -> tuple[str, int]:
        """Lowercased, whitespace collapsed; the length of the raw string uppercased."""
        return " ".join(text.lower().split()), len(text.upper())

    prepare_prediction = prepare_answer

    @staticmethod
    def _prepare_answers(texts: list[str]) -> tuple[list[str], _Lengths]:
        # str.split() with no argument also drops leading and trailing whitespace, so the
        # reference's strip() is implied; lowercasing never creates or removes whitespace.
        normalised = list(map(" ".join, map(str.split, map(str.lower, texts))))
        return normalised, _lengths(map(len, map(str.upper, texts)), len(texts))

    _prepare_predictions = _prepare_answers


class ANLSMonkey(_ANLSBase):
    """ANLS as Monkey and TextHarmony compute it (no whitespace collapse).

    Reference: Yuliang-Liu/Monkey ``eval/evaluate_vqa.py`` at 498e1d92baff, ``normANLS`` and
    ``evaluateANLS`` (lines 137-158); the same code is in bytedance/TextHarmony
    ``evaluate_utils.py`` at f98ac34b206f (lines 98-119) and in Monkey
    ``eval/evaluate_vqa_doc.py`` (TextMonkey).

    Rule and boundary cases:

    - The prediction is stripped first. The distance is then taken between
      ``answer.lower().strip()`` and ``prediction.lower().strip()``. Internal whitespace is
      **not** collapsed, so "a  b" is one edit away from "a b".
    - The denominator is ``max(len(answer), len(stripped prediction))``. The answer's length is
      that of the raw, unstripped string. There is no ``upper()``, so "ß" counts once.
    - When both lengths are 0 the distance counts as 0 and the question scores 1.
    - As in ``anls``, the best answer wins, and a similarity below 0.5 becomes 0 (0.5 is kept).
    - Monkey iterates over ``annotation`` as given. A bare string would be scored character by
      character. harmonybench always passes the tuple of answers.
    """

    name: ClassVar[str] = "anls-monkey"
    reference: ClassVar[str] = (
        "Yuliang-Liu/Monkey eval/evaluate_vqa.py @498e1d92baff, evaluateANLS/normANLS "
        "(= bytedance/TextHarmony evaluate_utils.py @f98ac34b206f)"
    )
    summary: ClassVar[str] = (
        "ANLS as Monkey/TextHarmony: lower+strip only, raw answer length, < 0.5 -> 0"
    )

    @staticmethod
    def prepare_answer(text: str) -> tuple[str, int]:
        """Lowercased and stripped; the raw answer's length."""
        return text.lower().strip(), len(text)

    @staticmethod
    def prepare_prediction(text: str) -> tuple[str, int]:
        """Stripped, then lowercased and stripped; the stripped prediction's length."""
        stripped = text.strip()
        return stripped.lower().strip(), len(stripped)

    @staticmethod
    def _prepare_answers(texts: list[str]) -> tuple[list[str], _Lengths]:
        normalised = list(map(str.strip, map(str.lower, texts)))
        return normalised, _lengths(map(len, texts), len(texts))

    @staticmethod
    def _prepare_predictions(texts: list[str]) -> tuple[list[str], _Lengths]:
        stripped = list(map(str.strip, texts))
        normalised = list(map(str.strip, map(str.lower, stripped)))
        return normalised, _lengths(map(len, stripped), len(stripped))
