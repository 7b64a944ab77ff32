"""Word recognition: exact-match word accuracy and 1 - normalised edit distance.

For the "What is the text in <region>?" queries (TextHarmony's text perception templates,
protocols-and-formats §1.4) and any cropped-word reading task. The prediction is the model's
answer as the task extracted it; the ground truth is ``sample.answers`` (the best answer
counts when there are several).

Four protocols:

- ``word-accuracy``: exact match after :func:`normalise` (case folded, whitespace
  collapsed);
- ``word-accuracy-cased``: exact match after :func:`normalise_cased` (whitespace only);
- ``word-accuracy-alnum``: the scene-text-recognition benchmarks' case-insensitive
  alphanumeric rule (lowercase, then drop every character outside ``0-9a-z``);
- ``ned``: ``1 - Levenshtein(pred, gt) / max(len(pred), len(gt))`` on the
  ``word-accuracy`` normalisation (the ICDAR 2019 normalised edit distance as a similarity).

All aggregate as plain means.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rapidfuzz.distance import Levenshtein

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

_NOT_ALNUM = re.compile(r"[^0-9a-z]")

_CLOVA = (
    "clovaai/deep-text-recognition-benchmark test.py @105eb8124c44, validation() "
    "(case-insensitive alphanumeric accuracy; ICDAR2019 normalised edit distance)"
)


def normalise_cased(text: str) -> str:
    """Strip, and collapse every run of whitespace (any ``str.isspace``) into one space."""
    return " ".join(text.split())


def normalise(text: str) -> str:
    """:func:`normalise_cased`, then ``str.lower()``."""
    return normalise_cased(text).lower()


def normalise_alnum(text: str) -> str:
    """``str.lower()``, then every character outside ``0-9a-z`` removed (spaces included)."""
    return _NOT_ALNUM.sub("", text.lower())


class WordAccuracy(Protocol):
    """Exact match after lowercasing and collapsing whitespace (harmonybench's rule).

    Reference: harmonybench's own rule, the exact-match ``pred == gt`` of
    clovaai/deep-text-recognition-benchmark ``test.py`` at 105eb8124c44 (``validation``)
    with the light normalisation of :func:`normalise` instead of that script's alphanumeric
    filter (``word-accuracy-alnum`` has it): punctuation and non-Latin scripts are kept.

    Boundary cases: 1.0 when the normalised prediction equals some normalised answer. An
    empty prediction matches only an answer that normalises to "". Unicode is compared as
    code points, without NFKC ("ﬁ" is not "fi"); ``lower()`` is used, not ``casefold()``
    ("ß" is not "ss").
    """

    name: ClassVar[str] = "word-accuracy"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "harmonybench rule: exact match after lower() and whitespace collapse "
        "(clovaai/deep-text-recognition-benchmark test.py @105eb8124c44 pred == gt)"
    )
    summary: ClassVar[str] = "Word accuracy: exact match, case-insensitive, whitespace collapsed"

    @staticmethod
    def prepare(text: str) -> str:
        """The normalisation applied to the prediction and to every answer."""
        return normalise(text)

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the prediction matches an answer after :meth:`prepare`, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        pred = self.prepare(prediction)
        return float(any(self.prepare(answer) == pred for answer in answers))


class WordAccuracyCased(WordAccuracy):
    """Exact match, case-sensitive, whitespace collapsed.

    Reference: as ``word-accuracy`` without the lowercasing (clovaai's ``--sensitive`` mode
    compares ``pred == gt`` as is). "Winner" and "WINNER" differ.
    """

    name: ClassVar[str] = "word-accuracy-cased"
    summary: ClassVar[str] = "Word accuracy: exact match, case-sensitive, whitespace collapsed"

    @staticmethod
    def prepare(text: str) -> str:
        """Whitespace collapsed only."""
        return normalise_cased(text)


class WordAccuracyAlnum(WordAccuracy):
    """Case-insensitive alphanumeric word accuracy, the scene-text benchmarks' rule.

    Reference: clovaai/deep-text-recognition-benchmark ``test.py`` at 105eb8124c44,
    ``validation``: with ``--sensitive --data_filtering_off`` both strings are lowercased and
    every character outside ``0123456789abcdefghijklmnopqrstuvwxyz`` is deleted, then
    ``pred == gt``.

    Boundary cases: "it's!" matches "ITS"; accented letters, CJK and spaces are deleted, so a
    Chinese answer normalises to "" and is matched by any prediction without Latin letters or
    digits (the reference's behaviour; use ``word-accuracy`` for non-Latin text).
    """

    name: ClassVar[str] = "word-accuracy-alnum"
    reference: ClassVar[str] = _CLOVA
    summary: ClassVar[str] = "Word accuracy: lowercase, only 0-9a-z kept (STR benchmarks)"

    @staticmethod
    def prepare(text: str) -> str:
        """Lowercased, only ``0-9a-z`` kept."""
        return normalise_alnum(text)


def ned_similarity(prediction: str, answer: str) -> float:
    """``1 - lev / max(len)``, 0 when either string is empty (the ICDAR 2019 rule)."""
    if not prediction or not answer:
        return 0.0
    return 1.0 - Levenshtein.distance(prediction, answer) / max(len(prediction), len(answer))


class NED(Protocol):
    """1 - normalised edit distance, best over the answers, averaged over samples.

    Reference: clovaai/deep-text-recognition-benchmark ``test.py`` at 105eb8124c44,
    ``validation`` ("ICDAR2019 Normalized Edit Distance"): per word
    ``1 - edit_distance(pred, gt) / max(len(gt), len(pred))``, then the mean. The distance is
    ``rapidfuzz.distance.Levenshtein`` (unit costs, code points). Both strings are first
    normalised as in ``word-accuracy`` (lowercase, whitespace collapsed); TextHarmony's own
    NED (§1.3, image OCR) keeps only ASCII letters and digits and divides by ``max + 1e-5``,
    AnyText's works on dictionary ids: neither is this protocol.

    Boundary cases: a word scores 0 when the prediction or the answer is empty after
    normalisation, **even when both are** (the reference's ``len(gt) == 0 or len(pred) == 0``
    branch). The best answer counts.
    """

    name: ClassVar[str] = "ned"
    metric: ClassVar[str] = "ned"
    metrics: ClassVar[MetricTable] = declare(ned=MAIN)
    reference: ClassVar[str] = _CLOVA
    summary: ClassVar[str] = "1 - normalised edit distance (ICDAR 2019), lowercase"

    def score(self, prediction: str, sample: Sample) -> float:
        """The best similarity in [0, 1] of the prediction to an answer.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        pred = normalise(prediction)
        return max(ned_similarity(pred, normalise(answer)) for answer in answers)


RECOGNITION_PROTOCOLS: tuple[type[Protocol], ...] = (
    WordAccuracy, WordAccuracyCased, WordAccuracyAlnum, NED,
)
"""Every recognition protocol, for registration."""
