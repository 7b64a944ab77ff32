"""TextVQA accuracy: the protocols ``vqa`` (MMF/EvalAI) and ``vqa-official`` (GT-Vision-Lab).

Both score a prediction against a question's annotator answers (TextVQA has 10) with the
leave-one-out VQA accuracy: for every position ``i``, ``min(1, m_i / 3)`` where ``m_i`` counts
the *other* answers (all but the one at position ``i``) equal to the prediction; the score is the
mean over positions. With ``k`` of 10 answers matching this is 0, 0.3, 0.6, 0.9 and 1.0 for
``k`` = 0, 1, 2, 3 and 4 or more. The two protocols differ in how they normalise strings (see
:mod:`harmonybench.metrics.vqa_normalize`) and in how many answers they accept.

Answers are excluded **by position**: TextVQA lists answers as plain strings, and the official
code (whose answers are dicts with distinct ``answer_id``) and MMF (which enumerates them) both
drop exactly one entry, not every entry equal to it.

Floating point: the references add the per-position values left to right (Python's ``sum`` on
CPython <= 3.11) and divide by the count, so a score can depend on *where* the matching answers
sit in the last bit (``k = 2`` gives 0.6, 0.6000000000000001 or 0.5999999999999999). This module
adds in the same order and reproduces those values bit for bit. CPython 3.12 made ``sum`` of
floats compensated and lmms-eval's TextVQA task uses ``statistics.mean``: both give the correctly
rounded mean instead, which can differ from these values by one unit in the last place.
Per-question scores are never rounded; the official script's ``round(100 * acc, 2)`` applies
only to the percentages it prints.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from harmonybench.errors import DataError
from harmonybench.meaning import MAIN, MetricTable, declare
from harmonybench.metrics.vqa_normalize import (
    normalize_mmf,
    normalize_official_answers,
    normalize_official_prediction,
    official_process_punctuation,
)
from harmonybench.protocol import Protocol
from harmonybench.schema import Sample

__all__ = [
    "MMF_ANSWER_COUNT",
    "VQAAccuracy",
    "VQAAccuracyOfficial",
    "leave_one_out_accuracy",
    "leave_one_out_accuracy_matrix",
]

MMF_ANSWER_COUNT = 10
"""MMF's ``TextVQAAccuracyEvaluator`` asserts exactly this many answers per question."""

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


def leave_one_out_accuracy(matches: Sequence[bool]) -> float:
    """The VQA accuracy of one question from which answer positions match the prediction.

    Args:
        matches: one flag per annotator answer, in the file's order.

    Returns:
        The mean over positions ``i`` of ``min(1, (#matches excluding i) / 3)``, added left to
        right as the references do.

    Raises:
        ValueError: when ``matches`` is empty (the references divide by zero there).
    """
    if not matches:
        raise ValueError("no answers to score against")
    k = sum(1 for m in matches if m)
    total = 0.0
    for m in matches:
        total += min(1.0, (k - 1 if m else k) / 3)
    return total / len(matches)


def leave_one_out_accuracy_matrix(matches: BoolArray) -> FloatArray:
    """:func:`leave_one_out_accuracy` of every row of a ``(questions, answers)`` flag matrix.

    Bit-identical to the scalar function: the columns are added in order.
    """
    if matches.ndim != 2 or matches.shape[1] == 0:
        raise ValueError("expected a (questions, answers) matrix with at least one answer")
    k = matches.sum(axis=1, dtype=np.int64)
    total = np.zeros(matches.shape[0], dtype=np.float64)
    for j in range(matches.shape[1]):
        total += np.minimum(1.0, (k - matches[:, j]) / 3.0)
    result: FloatArray = total / float(matches.shape[1])
    return result


def _where(sample: Sample) -> tuple[str, str]:
    """The (path, record) pair a DataError about ``sample`` names."""
    return (sample.task or "<samples>", f"sample {sample.id}")


def _check_prediction(prediction: object, sample: Sample) -> str:
    if not isinstance(prediction, str):
        path, record = _where(sample)
        raise DataError(
            path,
            f"the prediction must be a string, got {type(prediction).__name__}",
            record=record,
            field="prediction",
        )
    return prediction


def _check_answers(sample: Sample, exact_count: int | None) -> Sequence[str]:
    """The sample's answers, after checking their type and count."""
    answers = sample.answers
    path, record = _where(sample)
    if not isinstance(answers, (tuple, list)):
        raise DataError(
            path,
            f"answers must be a list of strings, got {type(answers).__name__}",
            record=record,
            field="answers",
        )
    for i, answer in enumerate(answers):
        if not isinstance(answer, str):
            raise DataError(
                path,
                f"answer {i} must be a string, got {type(answer).__name__}",
                record=record,
                field="answers",
            )
    if exact_count is not None and len(answers) != exact_count:
        raise DataError(
            path,
            f"the MMF/EvalAI TextVQA evaluator needs exactly {exact_count} answers per "
            f"question (it asserts it), got {len(answers)}; 'vqa-official' takes any number",
            record=record,
            field="answers",
        )
    if not answers:
        raise DataError(
            path, "no answers to score against (the reference divides by zero)",
            record=record, field="answers",
        )
    return answers


def _row_groups(
    lengths: IntArray,
) -> Iterator[tuple[slice | IntArray, Callable[[IntArray], IntArray]]]:
    """Group questions by their number of answers.

    Yields, per distinct count, the rows having it and a function turning a flat per-answer
    array into that group's ``(rows, count)`` matrix (a reshape when all counts are equal).
    """
    n = lengths.shape[0]
    if n and bool((lengths == lengths[0]).all()):
        width = int(lengths[0])
        yield slice(None), lambda flat: flat.reshape(n, width)
        return
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    for width in np.unique(lengths):
        rows = np.flatnonzero(lengths == width).astype(np.int64)
        positions = starts[rows][:, None] + np.arange(int(width), dtype=np.int64)

        def take(flat: IntArray, positions: IntArray = positions) -> IntArray:
            taken: IntArray = flat[positions]
            return taken

        yield rows, take


def _require_strings(values: Iterable[object]) -> None:
    """Raise TypeError if any of ``values`` is not a ``str``."""
    if not all(isinstance(v, str) for v in values):
        raise TypeError("not a string")


def _lookup(strings: Sequence[str], ids_of: Mapping[str, int]) -> IntArray:
    """The ids of ``strings`` in ``ids_of`` as an array."""
    return np.fromiter(map(ids_of.__getitem__, strings), dtype=np.int64, count=len(strings))


class _VQABase(Protocol):
    """What the two TextVQA accuracy protocols share: checks, batching, leave-one-out."""

    metric: ClassVar[str] = "vqa_accuracy"
    metrics: ClassVar[MetricTable] = declare(vqa_accuracy=MAIN)
    tasks: ClassVar[tuple[str, ...]] = ("textvqa",)
    exact_count: ClassVar[int | None] = None
    """The number of answers every question must have, or None for any number >= 1."""

    @abstractmethod
    def matches(self, prediction: str, answers: Sequence[str]) -> list[bool]:
        """Which answers match ``prediction`` after this protocol's normalisation."""

    @abstractmethod
    def _match_matrices(
        self, predictions: Sequence[str], flat_answers: list[str], lengths: IntArray
    ) -> Iterator[tuple[slice | IntArray, BoolArray]]:
        """Yield (rows, match matrix) per group of questions with the same answer count.

        Raises TypeError on values that are not strings.
        """

    def score(self, prediction: str, sample: Sample) -> float:
        """The VQA accuracy of ``prediction`` for ``sample`` (a fraction in [0, 1]).

        Raises:
            DataError: the prediction is not a string, an answer is not a string, or the
                number of answers is not one this protocol accepts.
        """
        text = _check_prediction(prediction, sample)
        answers = _check_answers(sample, self.exact_count)
        return leave_one_out_accuracy(self.matches(text, answers))

    def score_many(self, predictions: Sequence[str], samples: Sequence[Sample]) -> list[float]:
        """Score aligned predictions and samples; identical to :meth:`score` on each pair.

        Each distinct string is normalised once; strings become integer ids and the
        leave-one-out accuracies are computed with numpy, per group of questions with the
        same number of answers.

        Raises:
            ValueError: the two sequences differ in length.
            DataError: as :meth:`score`, for the first bad pair.
        """
        if len(predictions) != len(samples):
            raise ValueError("predictions and samples differ in length")
        n = len(samples)
        if n == 0:
            return []
        answer_lists = [s.answers for s in samples]
        lengths = np.fromiter(map(len, answer_lists), dtype=np.int64, count=n)
        bad_lengths = (
            lengths != self.exact_count if self.exact_count is not None else lengths == 0
        )
        if bad_lengths.any() or set(map(type, answer_lists)) - {tuple, list}:
            self._raise_first_error(predictions, samples)
        flat = list(chain.from_iterable(answer_lists))
        scores = np.empty(n, dtype=np.float64)
        try:
            for rows, matrix in self._match_matrices(predictions, flat, lengths):
                scores[rows] = leave_one_out_accuracy_matrix(matrix)
        except TypeError:
            self._raise_first_error(predictions, samples)
            raise
        result: list[float] = scores.tolist()
        return result

    def _raise_first_error(self, predictions: Sequence[str], samples: Sequence[Sample]) -> None:
        """Check every pair the slow way, raising the DataError of the first bad one."""
        for prediction, sample in zip(predictions, samples, strict=True):
            _check_prediction(prediction, sample)
            _check_answers(sample, self.exact_count)


class VQAAccuracy(_VQABase):
    """TextVQA accuracy as MMF/EvalAI compute it (``vqa``; what LLaVA and lmms-eval report).

    Reference: ``pixas/LLaVA`` ``llava/eval/m4c_evaluator.py`` at ``fbd51158da0d``,
    ``TextVQAAccuracyEvaluator`` with ``EvalAIAnswerProcessor`` (copied there from
    ``facebookresearch/mmf`` ``pythia/tasks/processors.py`` at ``c46b3b33``); lmms-eval's
    ``lmms_eval/tasks/_task_utils/vqa_eval_metric.py`` has the same processor.

    The prediction and every annotator answer go through :func:`normalize_mmf`, and the score
    is the leave-one-out accuracy of the normalised prediction (0 when it matches no answer).

    Boundary cases:

    * exactly 10 answers are required (MMF asserts it): any other count raises
      :class:`~harmonybench.errors.DataError` naming the sample;
    * an empty (or all-punctuation) prediction normalises to ``""`` and matches the answers
      that also normalise to ``""``;
    * lmms-eval's TextVQA task has no 10-answer assert and averages with ``statistics.mean``;
      on 10 answers its scores agree with these up to the last bit (see the module docstring).
    """

    name: ClassVar[str] = "vqa"
    reference: ClassVar[str] = (
        "pixas/LLaVA llava/eval/m4c_evaluator.py@fbd51158da0d "
        "(TextVQAAccuracyEvaluator + EvalAIAnswerProcessor, from facebookresearch/mmf)"
    )
    summary: ClassVar[str] = (
        "TextVQA accuracy, MMF/EvalAI normalisation of prediction and answers (LLaVA, lmms-eval)"
    )
    exact_count: ClassVar[int | None] = MMF_ANSWER_COUNT

    def matches(self, prediction: str, answers: Sequence[str]) -> list[bool]:
        """Which answers equal the prediction once both are MMF-normalised."""
        pred = normalize_mmf(prediction)
        return [normalize_mmf(a) == pred for a in answers]

    def _match_matrices(
        self, predictions: Sequence[str], flat_answers: list[str], lengths: IntArray
    ) -> Iterator[tuple[slice | IntArray, BoolArray]]:
        distinct = set(flat_answers)
        distinct.update(predictions)
        _require_strings(distinct)
        normalised: dict[str, int] = {}
        ids_of = {
            text: normalised.setdefault(normalize_mmf(text), len(normalised)) for text in distinct
        }
        pred_ids = _lookup(predictions, ids_of)
        answer_ids = _lookup(flat_answers, ids_of)
        for rows, matrix_of in _row_groups(lengths):
            yield rows, matrix_of(answer_ids) == pred_ids[rows][:, None]


class VQAAccuracyOfficial(_VQABase):
    """TextVQA accuracy as the official VQA evaluation code computes it (``vqa-official``).

    Reference: ``GT-Vision-Lab/VQA`` ``PythonEvaluationTools/vqaEvaluation/vqaEval.py`` at
    ``c4e6a0e4e84b``, ``VQAEval.evaluate`` (not the older ``07aecec``, whose punctuation list
    and contraction table differ). Monkey's ``eval/vqa_eval.py`` is a copy.

    The prediction goes through :func:`normalize_official_prediction`; the answers go through
    :func:`normalize_official_answers` (punctuation only, and only when the raw answers are not
    all identical; never lowercased, so a capitalised answer can never be matched). The score
    is the leave-one-out accuracy over however many answers there are.

    Boundary cases:

    * any number of answers >= 1 is used as is (with one answer the score is always 0, as in
      the reference); no answers at all raises :class:`~harmonybench.errors.DataError`
      (the reference divides by zero);
    * the reference prints ``round(100 * mean, 2)``; per-question scores here stay unrounded
      fractions and the aggregate is their plain mean.
    """

    name: ClassVar[str] = "vqa-official"
    reference: ClassVar[str] = (
        "GT-Vision-Lab/VQA PythonEvaluationTools/vqaEvaluation/vqaEval.py@c4e6a0e4e84b "
        "(VQAEval.evaluate)"
    )
    summary: ClassVar[str] = (
        "TextVQA accuracy, official VQA eval (answers punctuation-processed only if they differ)"
    )
    exact_count: ClassVar[int | None] = None

    def matches(self, prediction: str, answers: Sequence[str]) -> list[bool]:
        """Which official-normalised answers equal the official-normalised prediction."""
        pred = normalize_official_prediction(prediction)
        return [a == pred for a in normalize_official_answers(answers)]

    def _match_matrices(
        self, predictions: Sequence[str], flat_answers: list[str], lengths: IntArray
    ) -> Iterator[tuple[slice | IntArray, BoolArray]]:
        distinct_answers = list(set(flat_answers))
        distinct_predictions = set(predictions)
        _require_strings(chain(distinct_answers, distinct_predictions))
        # Raw answers take ids 0..len-1 (kept when a question's answers are all identical);
        # their punctuation-processed forms and the normalised predictions share the id space.
        ids = {text: i for i, text in enumerate(distinct_answers)}
        punctuated_id = np.fromiter(
            (ids.setdefault(official_process_punctuation(t), len(ids)) for t in distinct_answers),
            dtype=np.int64,
            count=len(distinct_answers),
        )
        pred_ids_of = {
            text: ids.setdefault(normalize_official_prediction(text), len(ids))
            for text in distinct_predictions
        }
        pred_ids = _lookup(predictions, pred_ids_of)
        answer_ids = _lookup(flat_answers, ids)
        for rows, matrix_of in _row_groups(lengths):
            raw = matrix_of(answer_ids)
            all_same = (raw == raw[:, :1]).all(axis=1)
            gts = np.where(all_same[:, None], raw, punctuated_id[raw])
            yield rows, gts == pred_ids[rows][:, None]
