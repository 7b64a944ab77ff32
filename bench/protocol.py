"""The protocol interface: one named, cited scoring rule.

A protocol scores one prediction against one :class:`~harmonybench.schema.Sample` (its
``answers`` and, where the rule needs it, its metadata) and aggregates per-sample scores into
the numbers a paper prints. Every concrete protocol names the reference implementation it
matches (repository, file, commit) in its docstring and in :attr:`Protocol.reference`.

Scores are fractions in [0, 1]; ``aggregate`` may add counts (OCRBench's score out of 1000).
What each reported number means (direction, unit, main metric) is declared in
:attr:`BaseProtocol.metrics` (:mod:`harmonybench.meaning`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

from harmonybench.meaning import MAIN, MetricTable
from harmonybench.schema import Sample

P = TypeVar("P")


class BaseProtocol(ABC, Generic[P]):
    """A scoring rule, selectable by :attr:`name`.

    ``P`` is the type of the extracted answer it scores: ``str`` for text-out tasks (subclass
    :class:`Protocol`), structured readings (the OCR lines of a generated image) for others.

    Subclasses set the class attributes and implement :meth:`score`. :meth:`score_many` is the
    batched entry point the scoring stage uses; override it where a vectorised implementation
    is faster, and keep its results identical to :meth:`score`.
    """

    name: ClassVar[str]
    """The protocol's name on the command line and in every score it produces."""
    metric: ClassVar[str]
    """The name of the main aggregate metric (``vqa_accuracy``, ``anls``, ``accuracy``)."""
    reference: ClassVar[str]
    """Repository, file and commit of the implementation this protocol matches."""
    summary: ClassVar[str]
    """One line for ``harmonybench list protocols``."""
    tasks: ClassVar[tuple[str, ...]] = ()
    """Tasks this protocol applies to, besides those that list it in ``Task.protocols``.

    Empty for generic rules (substring, exact match): a task opts in by listing them."""
    metrics: ClassVar[MetricTable] = MappingProxyType({})
    """What every number :meth:`reduce` returns and :meth:`evaluate` journals means
    (:func:`harmonybench.meaning.declare`); :attr:`metric` is the ``main`` one. Empty: only
    :attr:`metric` is reported, a higher-is-better fraction (see :meth:`declared_metrics`)."""

    @classmethod
    def declared_metrics(cls) -> MetricTable:
        """:attr:`metrics`, or for a protocol that declares none, :attr:`metric` as a main
        higher-is-better fraction."""
        return cls.metrics or MappingProxyType({cls.metric: MAIN})

    @abstractmethod
    def score(self, prediction: P, sample: Sample) -> float:
        """The score in [0, 1] of ``prediction`` for ``sample``."""

    def score_many(self, predictions: Sequence[P], samples: Sequence[Sample]) -> list[float]:
        """Score aligned lists of predictions and samples."""
        if len(predictions) != len(samples):
            raise ValueError("predictions and samples differ in length")
        return [self.score(p, s) for p, s in zip(predictions, samples, strict=True)]

    def aggregate(self, scores: Sequence[float], samples: Sequence[Sample]) -> dict[str, Any]:
        """Aggregate per-sample scores: the mean as :attr:`metric` (0 when there are none)."""
        return {self.metric: float(sum(scores) / len(scores)) if scores else 0.0}

    # Protocols whose dataset numbers are not means of one per-sample value (detection
    # precision/recall from summed matches, line-level OCR accuracy over all lines) journal
    # sufficient statistics per sample, torchmetrics-style, and reduce them: override
    # ``evaluate`` and ``reduce`` together.

    def evaluate(self, prediction: P, sample: Sample) -> dict[str, float]:
        """Every per-sample value journaled under this protocol.

        The first key is always :attr:`metric` (the per-sample score that paired comparisons
        use); further keys are the sufficient statistics :meth:`reduce` needs.
        """
        return {self.metric: float(self.score(prediction, sample))}

    def evaluate_many(
        self, predictions: Sequence[P], samples: Sequence[Sample]
    ) -> list[dict[str, float]]:
        """:meth:`evaluate` over aligned lists (through :meth:`score_many` by default)."""
        if type(self).evaluate is BaseProtocol.evaluate:
            return [{self.metric: float(v)} for v in self.score_many(predictions, samples)]
        return [self.evaluate(p, s) for p, s in zip(predictions, samples, strict=True)]

    def reduce(
        self, values: Sequence[Mapping[str, float]], samples: Sequence[Sample]
    ) -> dict[str, Any]:
        """Dataset numbers from the per-sample values (by default :meth:`aggregate`)."""
        return self.aggregate([v[self.metric] for v in values], samples)


class Protocol(BaseProtocol[str]):
    """A protocol that scores a text answer (VQA, recognition, grounding outputs as text)."""


class BatchedProtocol(Protocol):
    """A text protocol implemented by its batched :meth:`evaluate_many` (vectorised geometry):
    :meth:`evaluate`, :meth:`score` and :meth:`score_many` are derived from it, so the one
    implementation serves a single answer and a batch alike."""

    @abstractmethod
    def evaluate_many(
        self, predictions: Sequence[str], samples: Sequence[Sample]
    ) -> list[dict[str, float]]:
        """Every per-sample value of aligned lists (:attr:`metric` first)."""

    def evaluate(self, prediction: str, sample: Sample) -> dict[str, float]:
        """:meth:`evaluate_many` for one sample."""
        return self.evaluate_many([prediction], [sample])[0]

    def score(self, prediction: str, sample: Sample) -> float:
        """The per-sample :attr:`metric` of :meth:`evaluate`."""
        return self.evaluate(prediction, sample)[self.metric]

    def score_many(self, predictions: Sequence[str], samples: Sequence[Sample]) -> list[float]:
        """:meth:`score` over aligned lists, through :meth:`evaluate_many`."""
        return [v[self.metric] for v in self.evaluate_many(predictions, samples)]
