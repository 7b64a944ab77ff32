"""Relaxed accuracy (ChartQA): numbers within 5% of the target, other strings exactly.

The rule is pix2struct's ``relaxed_correctness(target, prediction)``
(google-research/pix2struct ``pix2struct/metrics.py``), copied by every ChartQA scorer. Two
protocols differ only in which string is passed as the *target*:

- ``relaxed``: the ground-truth answer is the target, as in pix2struct, lmms-eval and
  VLMEvalKit;
- ``relaxed-swapped``: the prediction is the target, as Monkey (and TextHarmony) call it.
"""

from __future__ import annotations

from typing import ClassVar

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

MAX_RELATIVE_CHANGE = 0.05
"""The largest accepted ``|prediction - target| / |target|`` for numeric answers."""


def to_float(text: str) -> float | None:
    """The number ``text`` spells, by pix2struct's ``_to_float`` rules, or ``None``.

    A text ending in "%" loses every trailing "%" and is divided by 100. Otherwise the text
    goes to Python's ``float()`` unchanged. That accepts surrounding whitespace (" 12 "),
    exponents ("1e3"), underscores between digits ("1_000"), non-ASCII decimal digits
    ("１２"), and "nan", "inf" and "infinity" in any case. It rejects thousands separators
    ("1,000"), currency signs ("$5") and an empty string.
    """
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relaxed_correctness(target: str, prediction: str) -> bool:
    """pix2struct's relaxed correctness of ``prediction`` against ``target``.

    When the prediction parses as a number and the target parses as a *truthy* number (not 0,
    not -0), the prediction is correct if ``|p - t| / |t| <= 0.05``. Otherwise the two strings
    must be equal after ``str.lower()``. The consequences of these two rules:

    - A zero target ("0", "0.0", "0%") falls through to the string comparison, so "0.0" is
      wrong for "0".
    - "nan" is truthy, and any comparison with NaN is false. A target or prediction of "nan"
      is therefore never correct, even when the two strings are equal.
    - For an infinite target the relative change is NaN (inf/inf or NaN/inf), so it is never
      correct. For an infinite prediction with a finite target the change is infinite, also
      never correct.
    - "25%" and "0.25" are equal (0.25 both), but "2%" and "2" are not.
    """
    prediction_float = to_float(prediction)
    target_float = to_float(target)
    if prediction_float is not None and target_float:
        change = abs(prediction_float - target_float) / abs(target_float)
        return change <= MAX_RELATIVE_CHANGE
    return prediction.lower() == target.lower()


class RelaxedAccuracy(Protocol):
    """ChartQA relaxed accuracy with the ground truth as target (pix2struct's order).

    Reference: lmms-eval ``lmms_eval/tasks/chartqa/utils.py`` (``relaxed_correctness``, from
    Qwen-VL ``eval_mm/evaluate_vqa.py``, called with ``doc["answer"]`` as target); VLMEvalKit
    ``vlmeval/dataset/utils/vqa_eval.py`` at 546ab517b6aa (``process_line``,
    ``method='relaxed_accuracy'``: ``relaxed_correctness(gt, prediction.strip())``, max over
    the answer list).

    Rule and boundary cases:

    - The prediction is stripped. The answers are not: their whitespace is ignored by
      ``float()`` but counts in the string comparison.
    - The 5% tolerance is relative to the answer. Percent signs, zero, NaN and infinite targets
      behave as :func:`relaxed_correctness` says.
    - A question scores 1 if any answer accepts the prediction, else 0. lmms-eval scores only a
      single answer; VLMEvalKit takes the max over the list, as here.
    - An empty prediction matches only an empty answer.
    """

    name: ClassVar[str] = "relaxed"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/chartqa/utils.py relaxed_correctness; "
        "open-compass/VLMEvalKit vlmeval/dataset/utils/vqa_eval.py @546ab517b6aa process_line"
    )
    summary: ClassVar[str] = (
        "ChartQA relaxed accuracy (pix2struct): numbers within 5% of the answer, else "
        "case-insensitive equality"
    )
    tasks: ClassVar[tuple[str, ...]] = ("chartqa",)

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when any answer accepts the stripped prediction, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        pred = prediction.strip()
        answers = require_answers(sample, self.name)
        return float(any(relaxed_correctness(answer, pred) for answer in answers))


class RelaxedAccuracySwapped(Protocol):
    """ChartQA relaxed accuracy with the prediction as target, as Monkey calls it.

    Reference: Yuliang-Liu/Monkey ``eval/evaluate_vqa.py`` at 498e1d92baff,
    ``evaluate_relaxed_accuracy``, which calls
    ``relaxed_correctness(elem['answer'].strip(), ann)``, i.e. (prediction, answer) for
    parameters named (target, prediction). The same call is in bytedance/TextHarmony
    ``evaluate_utils.py`` at f98ac34b206f, which imports it but never uses it.

    Rule and boundary cases:

    - The tolerance is relative to the **prediction**: for an answer of 100, "95.0" fails
      (5/95 > 5%) and "105.2" passes (5.2/105.2 < 5%). ``relaxed`` does the opposite.
    - The truthiness test applies to the prediction. A prediction of "0" always falls back to
      the string comparison. A zero answer with a non-zero numeric prediction is compared
      numerically (and is wrong: the change is 100%).
    - The stripped prediction is the target; each raw answer is the "prediction". The max over
      answers is taken, as in Monkey.
    """

    name: ClassVar[str] = "relaxed-swapped"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "Yuliang-Liu/Monkey eval/evaluate_vqa.py @498e1d92baff evaluate_relaxed_accuracy "
        "(relaxed_correctness(pred, gt))"
    )
    summary: ClassVar[str] = (
        "ChartQA relaxed accuracy as Monkey calls it: arguments swapped, 5% of the prediction"
    )
    tasks: ClassVar[tuple[str, ...]] = ("chartqa",)

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when the stripped prediction, taken as target, accepts any answer, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        pred = prediction.strip()
        answers = require_answers(sample, self.name)
        return float(any(relaxed_correctness(pred, answer) for answer in answers))
