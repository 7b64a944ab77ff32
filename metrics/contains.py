"""Substring "accuracy": an answer counts as found when it occurs anywhere in the prediction.

This is what the TextMonkey, Monkey and TextHarmony tables call "accuracy" on DocVQA, ChartQA,
TextVQA and the rest. It is neither ANLS nor VQA accuracy: long answers gain, and an empty
(or whitespace-only) answer is found in every prediction. Two variants:

- ``contains``: TextMonkey's scorer, which first deletes ``<point>...</point>`` and
  ``<box>...</box>`` spans from the prediction;
- ``contains-monkey``: Monkey's and TextHarmony's scorer, which deletes every "." from the
  prediction (only), so an answer containing "." ("3.5", "U.S.") can never be found.
"""

from __future__ import annotations

import re
from typing import ClassVar

from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

_POINT = re.compile(r"<point>(.*?)</point>")
_BOX = re.compile(r"<box>(.*?)</box>")


def _delete_spans(text: str, pattern: re.Pattern[str], tag: str) -> str:
    """Delete ``<tag>...</tag>`` spans the way TextMonkey does.

    It finds the non-overlapping, non-greedy matches first (``.`` does not cross a newline).
    Then, one found span at a time and in order, it deletes every literal occurrence of that
    span from the text as it stands. That is not always ``pattern.sub("", text)``: deleting an
    earlier span can break a later one, which is then left partly in place.
    """
    for inner in pattern.findall(text):
        text = text.replace(f"<{tag}>{inner}</{tag}>", "")
    return text


def strip_grounding(text: str) -> str:
    """``text`` without its ``<point>`` spans, then without its ``<box>`` spans (TextMonkey)."""
    return _delete_spans(_delete_spans(text, _POINT, "point"), _BOX, "box")


class Contains(Protocol):
    """TextMonkey's substring accuracy, with grounding spans removed.

    Reference: Yuliang-Liu/Monkey ``eval/evaluate_vqa_doc.py`` at 498e1d92baff,
    ``evaluate_exact_match_accuracy`` (TextMonkey's document/scene-text scorer).

    Rule and boundary cases:

    - ``<point>...</point>`` spans are deleted from the prediction, then ``<box>...</box>``
      spans (see :func:`strip_grounding`). Tags are matched case-sensitively, before
      lowercasing. A span that crosses a newline, or an unclosed tag, stays in place.
    - Then 1.0 if, for some answer, ``answer.strip().lower()`` is a substring of
      ``prediction.strip().lower()``, else 0.0. Case is ignored and periods are kept.
    - An empty or whitespace-only answer is found in every prediction, the empty one included.
      An empty prediction finds only such answers.
    """

    name: ClassVar[str] = "contains"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "Yuliang-Liu/Monkey eval/evaluate_vqa_doc.py @498e1d92baff "
        "evaluate_exact_match_accuracy (TextMonkey)"
    )
    summary: ClassVar[str] = (
        "TextMonkey substring accuracy: any answer in the prediction, case-insensitive, "
        "<point>/<box> spans removed"
    )

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when some answer occurs in the cleaned prediction, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        text = strip_grounding(prediction).strip().lower()
        return float(any(answer.strip().lower() in text for answer in answers))


class ContainsMonkey(Protocol):
    """Monkey's and TextHarmony's substring accuracy: periods deleted from the prediction only.

    Reference: Yuliang-Liu/Monkey ``eval/evaluate_vqa.py`` at 498e1d92baff,
    ``evaluate_exact_match_accuracy``, which is the same as bytedance/TextHarmony
    ``evaluate_utils.py`` at f98ac34b206f, lines 66-80.

    Rule and boundary cases:

    - 1.0 if, for some answer, ``answer.strip().lower()`` is a substring of
      ``prediction.strip().lower().replace(".", "")``, else 0.0.
    - Periods are deleted from the prediction only. An answer that contains "." ("3.5",
      "u.s.", "www.x.com") is never found, whatever the prediction.
    - Removing periods can join text: "end.Start" becomes "endstart", which contains "dst".
    - An empty or whitespace-only answer is found in every prediction.
    - No ``<box>`` handling: tags are ordinary text.
    """

    name: ClassVar[str] = "contains-monkey"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(accuracy=MAIN)
    reference: ClassVar[str] = (
        "Yuliang-Liu/Monkey eval/evaluate_vqa.py @498e1d92baff evaluate_exact_match_accuracy "
        "(= bytedance/TextHarmony evaluate_utils.py @f98ac34b206f)"
    )
    summary: ClassVar[str] = (
        "Monkey/TextHarmony substring accuracy: periods deleted from the prediction only"
    )

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when some answer occurs in the period-free prediction, else 0.0.

        Raises:
            DataError: the sample has no answers.
        """
        answers = require_answers(sample, self.name)
        text = prediction.strip().lower().replace(".", "")
        return float(any(answer.strip().lower() in text for answer in answers))
