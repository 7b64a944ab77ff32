"""MARIO-Eval's OCR scores of generated images (``mario``), from whole-image OCR words.

The answer layout (``words``: per image, the words a whole-image OCR found) is described in
:mod:`harmonybench.metrics.textrender`, which also registers this protocol's name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.meaning import COUNT, FRACTION, MAIN, SUM, MetricTable, declare
from harmonybench.metrics.textrender_readings import (
    Reading,
    reading_images,
    reading_strings,
    where,
)
from harmonybench.protocol import BaseProtocol
from harmonybench.schema import Sample

PRF_EPSILON = 1e-8
"""Added to the denominators of MARIO's precision, recall and F (``ocr_eval.py``)."""


class MarioOCR(BaseProtocol[Reading | str]):
    """MARIO-Eval OCR precision, recall, F-measure and accuracy (``mario``).

    Reference: microsoft/unilm ``textdiffuser/eval/ocr_eval.py``, commit 768a3c873f59.

    Per generated image, with ``pred`` the whole-image OCR words and ``gt`` the prompt's
    keywords (:func:`~harmonybench.targets.mario_keywords`), both stripped and lowercased:

    - **matching** is a multiset intersection: each predicted word still present in the
      remaining ground truth removes one copy from it (``["hi", "hi"]`` against ``["hi"]``
      matches once);
    - ``P = matched / (len(pred) + 1e-8)``, ``R = matched / (len(gt) + 1e-8)`` (so 0 for an
      empty side, and ``1 / (1 + 1e-8)`` rather than 1 for a perfect image);
    - **accuracy** is 1 when ``"".join(sorted(pred)) == "".join(sorted(gt))``: the sorted words
      are concatenated *without* a separator, so ``["ab", "c"]`` equals ``["a", "bc"]``, and an
      image with no words for a prompt with no keywords is correct;
    - empty strings among the predicted words count as words (the reference reads OCR files
      line by line), so the reader should not emit them.

    P, R and accuracy are averaged over all images of all prompts (4 per prompt in MARIO-Eval);
    **F** is ``2PR / (P + R + 1e-8)`` of the *averaged* P and R, not a mean of per-image F.
    The per-sample value (:attr:`metric`) is the prompt's mean accuracy over its images.
    """

    name: ClassVar[str] = "mario"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(
        accuracy=MAIN, precision=FRACTION, recall=FRACTION, f=FRACTION, images=COUNT,
        precision_sum=SUM, recall_sum=SUM, accuracy_sum=SUM)
    reference: ClassVar[str] = "microsoft/unilm textdiffuser/eval/ocr_eval.py @ 768a3c873f59"
    summary: ClassVar[str] = "MARIO-Eval OCR precision/recall/F/accuracy of prompt keywords"

    @staticmethod
    def image_scores(predicted: Sequence[str], keywords: Sequence[str]) -> tuple[
        float, float, float
    ]:
        """``(precision, recall, accuracy)`` of one image (the reference's ``get_p_r_acc``)."""
        pred = [p.strip().lower() for p in predicted]
        gt = [g.strip().lower() for g in keywords]
        matched = sum((Counter(pred) & Counter(gt)).values())
        precision = matched / (len(pred) + PRF_EPSILON)
        recall = matched / (len(gt) + PRF_EPSILON)
        accuracy = float("".join(sorted(pred)) == "".join(sorted(gt)))
        return precision, recall, accuracy

    @staticmethod
    def f_measure(precision: float, recall: float) -> float:
        """``2PR / (P + R + 1e-8)``."""
        return 2 * precision * recall / (precision + recall + PRF_EPSILON)

    def _keywords(self, sample: Sample) -> list[str]:
        target = sample.target
        words = target.get("words") if isinstance(target, Mapping) else None
        if words is None:
            raise DataError(sample.task, "expected target = {'words': [keywords]}",
                            field="target.words", **where(sample))
        return reading_strings(words, sample, "target.words")

    def evaluate(self, prediction: Reading | str, sample: Sample) -> dict[str, float]:
        """The prompt's mean accuracy, and P/R/accuracy sums over its images.

        Raises:
            DataError: the target or the answer is malformed.
        """
        keywords = self._keywords(sample)
        images = reading_images(prediction, sample, "words")
        sums = [0.0, 0.0, 0.0]
        for i, words in enumerate(images):
            read = [] if words is None else reading_strings(words, sample, f"answer.words[{i}]")
            for j, value in enumerate(self.image_scores(read, keywords)):
                sums[j] += value
        n = len(images)
        return {"accuracy": sums[2] / n, "precision_sum": sums[0], "recall_sum": sums[1],
                "accuracy_sum": sums[2], "images": float(n)}

    def score(self, prediction: Reading | str, sample: Sample) -> float:
        """The prompt's mean accuracy over its images."""
        return self.evaluate(prediction, sample)[self.metric]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """P, R and accuracy averaged over all images; F from the averaged P and R."""
        images = sum(v["images"] for v in values)
        if not images:
            return {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f": 0.0, "images": 0}
        precision = sum(v["precision_sum"] for v in values) / images
        recall = sum(v["recall_sum"] for v in values) / images
        return {
            "accuracy": sum(v["accuracy_sum"] for v in values) / images,
            "precision": precision,
            "recall": recall,
            "f": self.f_measure(precision, recall),
            "images": int(images),
        }
