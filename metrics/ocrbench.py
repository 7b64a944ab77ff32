"""OCRBench v1: one point per question whose answer occurs in the prediction, out of 1000.

Two protocols share the rule and the aggregate:

- ``ocrbench``: the official MultimodalOCR scripts (no character folding);
- ``ocrbench-lmms-eval``: lmms-eval since July 2026, which folds fullwidth ASCII first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.meaning import MAIN, MetricInfo, MetricTable, declare
from harmonybench.metrics._answers import require_answers
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

HME_DATASET = "HME100k"
"""The source dataset (``dataset_name``) whose questions use the LaTeX rule."""

CATEGORIES: tuple[tuple[str, int], ...] = (
    ("Regular Text Recognition", 50),
    ("Irregular Text Recognition", 50),
    ("Artistic Text Recognition", 50),
    ("Handwriting Recognition", 50),
    ("Digit String Recognition", 50),
    ("Non-Semantic Text Recognition", 50),
    ("Scene Text-centric VQA", 200),
    ("Doc-oriented VQA", 200),
    ("Key Information Extraction", 200),
    ("Handwritten Mathematical Expression Recognition", 100),
)
"""The ten ``type`` values of ``OCRBench.json``, in the scripts' print order, with their sizes."""

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Text Recognition", tuple(name for name, _ in CATEGORIES[:6])),
    ("Scene Text-centric VQA", ("Scene Text-centric VQA",)),
    ("Doc-oriented VQA", ("Doc-oriented VQA",)),
    ("Key Information Extraction", ("Key Information Extraction",)),
    ("Handwritten Mathematical Expression Recognition",
     ("Handwritten Mathematical Expression Recognition",)),
)
"""The five subtotals the official scripts print (``Text Recognition(Total 300)``, then 200,
200, 200 and 100), as the names they print and the categories each sums."""

_FULLWIDTH_FIRST, _FULLWIDTH_LAST, _FULLWIDTH_SHIFT = 0xFF01, 0xFF5E, 0xFEE0
_FOLD_TABLE: Mapping[int, int] = MappingProxyType(
    {code: code - _FULLWIDTH_SHIFT for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)}
    | {0x3000: 0x20}
)


def fold_fullwidth(text: str) -> str:
    """Map fullwidth ASCII (U+FF01-U+FF5E) to ASCII and the ideographic space to " ".

    No other compatibility folding is done (unlike NFKC): "ｶ" and "①" stay as they are.
    """
    return text.translate(_FOLD_TABLE)


def _metadata(sample: Sample, key: str) -> str:
    value = sample.metadata.get(key)
    if not isinstance(value, str):
        problem = "missing" if value is None else f"{value!r} is not a string"
        raise DataError(
            sample.task,
            f"OCRBench metadata {key!r} {problem}",
            record=f"sample {sample.id}",
            field=key,
        )
    return value


def _hme_form(text: str) -> str:
    return text.strip().replace("\n", " ").replace(" ", "")


def _text_form(text: str) -> str:
    return text.lower().strip().replace("\n", " ")


class OCRBenchV1(Protocol):
    """OCRBench v1 as the official MultimodalOCR scripts score it.

    Reference: Yuliang-Liu/MultimodalOCR ``OCRBench/example.py`` and every
    ``OCRBench/scripts/*.py`` at 794c36d6423c (the same block in each), main loop. VLMEvalKit
    ``vlmeval/dataset/image_vqa.py::OCRBench.evaluate`` (546ab517b6aa) has the same rule, but it
    picks the HME branch by ``category``, not by dataset. The two agree on ``OCRBench.json``,
    whose 100 HME100k records are exactly its HMER category.

    Rule and boundary cases:

    - ``sample.metadata["dataset_name"] == "HME100k"`` (LaTeX answers): case-**sensitive**.
      Both strings are stripped, "\\n" becomes " ", and then every ASCII space is deleted.
      Tabs and other whitespace stay. The question scores 1 if the answer is a substring of
      the prediction.
    - Every other dataset: both strings become ``s.lower().strip().replace("\\n", " ")``. An
      internal newline therefore matches a space, but "\\r" and tabs are kept, and runs of
      spaces are not collapsed. The question scores 1 if the answer is a substring of the
      prediction.
    - List answers: any one that matches scores the point.
    - Fullwidth characters are not folded: "ＡＢＣ" does not match "abc" (see
      :class:`OCRBenchLmmsEval`).
    - An empty prediction finds only answers that normalise to "". The scripts skip records
      with no ``predict`` key at all; harmonybench records those as failed samples upstream.

    :meth:`aggregate` returns ``accuracy`` (correct / n), ``score`` (the count of correct
    answers, out of 1000 on the full benchmark), ``categories``: for each
    ``sample.metadata["type"]``, ``{"correct": c, "total": t}`` (the ten known types first, in
    the scripts' order, any other type after, sorted), and ``groups``: the five subtotals the
    scripts print after the categories (:data:`GROUPS`; Text Recognition sums the six
    recognition types, /300 on the full benchmark), each with a category present.
    """

    name: ClassVar[str] = "ocrbench"
    metric: ClassVar[str] = "accuracy"
    metrics: ClassVar[MetricTable] = declare(
        accuracy=MAIN, score=MetricInfo(unit="count", higher_is_better=True))
    reference: ClassVar[str] = (
        "Yuliang-Liu/MultimodalOCR OCRBench/example.py and OCRBench/scripts/*.py @794c36d6423c"
    )
    summary: ClassVar[str] = (
        "OCRBench v1: case-insensitive substring, HME100k case-sensitive without spaces; "
        "score out of 1000"
    )
    tasks: ClassVar[tuple[str, ...]] = ("ocrbench",)

    def _prepare_prediction(self, prediction: str) -> str:
        """The prediction before the branch rules (unchanged here)."""
        return prediction

    def _text_form(self, text: str) -> str:
        """The non-HME normal form."""
        return _text_form(text)

    def score(self, prediction: str, sample: Sample) -> float:
        """1.0 when an answer occurs in the prediction under the sample's rule, else 0.0.

        Raises:
            DataError: no answers, or no string ``dataset_name`` in the metadata.
        """
        answers = require_answers(sample, self.name)
        pred = self._prepare_prediction(prediction)
        hme = _metadata(sample, "dataset_name") == HME_DATASET
        form: Callable[[str], str] = _hme_form if hme else self._text_form
        text = form(pred)
        return float(any(form(answer) in text for answer in answers))

    def aggregate(self, scores: Sequence[float], samples: Sequence[Sample]) -> dict[str, Any]:
        """Accuracy, the count of correct answers, and per-``type`` correct/total counts.

        Raises:
            ValueError: ``scores`` and ``samples`` differ in length.
            DataError: a sample has no string ``type`` in its metadata.
        """
        if len(scores) != len(samples):
            raise ValueError("scores and samples differ in length")
        totals: dict[str, list[int]] = {}
        for value, sample in zip(scores, samples, strict=True):
            counts = totals.setdefault(_metadata(sample, "type"), [0, 0])
            counts[0] += int(value >= 1.0)
            counts[1] += 1
        known = [name for name, _ in CATEGORIES if name in totals]
        order = known + sorted(set(totals) - set(known))
        correct = sum(c for c, _ in totals.values())
        groups = {}
        for group, members in GROUPS:
            present = [totals[m] for m in members if m in totals]
            if present:
                groups[group] = {"correct": sum(c for c, _ in present),
                                 "total": sum(t for _, t in present)}
        return {
            self.metric: correct / len(samples) if samples else 0.0,
            "score": correct,
            "categories": {
                name: {"correct": totals[name][0], "total": totals[name][1]} for name in order
            },
            "groups": groups,
        }


class OCRBenchLmmsEval(OCRBenchV1):
    """OCRBench v1 as lmms-eval scores it since July 2026: fullwidth ASCII folded first.

    Reference: EvolvingLMMs-Lab/lmms-eval ``lmms_eval/tasks/ocrbench/utils.py``,
    ``ocrbench_process_results`` and ``_fold_fullwidth_ascii`` (PR #1415; read at 75571cfe0fa3).

    Rule: the prediction is stripped. For the non-HME datasets, both strings then go through
    :func:`fold_fullwidth` (U+FF01-U+FF5E to ASCII, U+3000 to a space) before the
    ``ocrbench`` normal form, so "ＡＢＣ" now matches "abc". The HME100k branch is unchanged
    (no fold). The aggregate is the same as ``ocrbench``. lmms-eval itself returns only
    correct / 1000, and its module-level counter is never reset between runs; harmonybench
    keeps no such state.
    """

    name: ClassVar[str] = "ocrbench-lmms-eval"
    reference: ClassVar[str] = (
        "EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/ocrbench/utils.py @75571cfe0fa3 "
        "ocrbench_process_results (fullwidth fold, #1415)"
    )
    summary: ClassVar[str] = (
        "OCRBench v1 as lmms-eval (2026-07+): the ocrbench rule with fullwidth ASCII folded"
    )

    def _prepare_prediction(self, prediction: str) -> str:
        """lmms-eval strips the generation before scoring."""
        return prediction.strip()

    def _text_form(self, text: str) -> str:
        """Fold fullwidth ASCII, then the non-HME normal form."""
        return _text_form(fold_fullwidth(text))
