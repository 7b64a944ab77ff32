"""Exact match after a light, documented normalisation (harmonybench's own rule for OCR-VQA).

OCR-VQA answers are short fields: book titles, authors, genres, "Yes"/"No". Peers score them in
two ways, and each has a known failure:

- VLMEvalKit (``vlmeval/dataset/utils/vqa_eval.py`` at 546ab517b6aa, ``process_line`` with
  ``method='accuracy'``, used for OCRVQA and GQA) requires ``gt.strip().lower() ==
  pred.strip().lower()``, max over the answers. A prediction that ends in a full stop
  therefore scores 0 (VLMEvalKit issue #842 reports this for OCRVQA and GQA).
- TextMonkey (Yuliang-Liu/Monkey ``eval/evaluate_vqa_doc.py``) uses substring containment,
  which rewards long answers (see ``contains``).

``exact`` keeps VLMEvalKit's equality and case folding, and forgives the two differences that
carry no content: runs of whitespace, and one sentence-final period.
"""

from __future__ import annotations

from typing import ClassVar

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample


def normalise(text: str) -> str:
    """Lowercase, collapse whitespace, and drop one trailing period.

    The steps, in order:

    1. ``str.lower()``;
    2. strip, and replace every run of whitespace (any ``str.isspace`` character) by one space;
    3. if the result ends in ".", remove that one period and any whitespace before it.

    "The Hobbit." and "the  hobbit" both give "the hobbit". "Jr." and "Jr" both give "jr".
    "..." gives "..", so an answer that really ends in an ellipsis still matches itself.
    """
    text = " ".join(text.lower().split())
    if text.endswith("."):
        text = text[:-1].rstrip()
    return text


class ExactMatch(Protocol):
    """Exact match of normalised strings, best over the answers (default for OCR-VQA).

    Reference: harmonybench's own rule, so there is no upstream script to match. It is
    VLMEvalKit's OCRVQA ``accuracy`` (``vlmeval/dataset/utils/vqa_eval.py`` at 546ab517b6aa,
    ``process_line``), which strips and lowercases, with whitespace collapsed and one trailing
    period dropped (see :func:`normalise`).

    Boundary cases: the same normalisation is applied to the prediction and to every answer.
    An empty prediction matches only an answer that normalises to "" ("", "  ", "."). Periods
    inside a string are kept ("3.5" is not "35"). Punctuation and articles are not touched.
    """

    name: ClassVar[str] = "exact"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "harmonybench rule: open-compass/VLMEvalKit vlmeval/dataset/utils/vqa_eval.py "
        "@546ab517b6aa process_line(method='accuracy') plus whitespace collapse and one "
        "trailing period dropped"
    )
    summary: ClassVar[str] = (
        "Exact match after lowercase, whitespace collapse and one trailing period dropped"
    )

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the normalised prediction equals some normalised answer, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        pred = normalise(prediction)
        return float(any(normalise(answer) == pred for answer in answers))
