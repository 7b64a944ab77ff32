"""The scoring stage: per-sample scores under named protocols, and their aggregates.

No model is needed: it scores prediction files (``harmonybench score``) and journals
(``harmonybench rescore``) alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError, ProtocolError
from harmonybench.meaning import table_to_json
from harmonybench.protocol import BaseProtocol
from harmonybench.registries import get_protocol
from harmonybench.schema import Sample, has_ground_truth
from harmonybench.task import Task


def resolve_protocols(task: Task, names: Sequence[str] = ()) -> list[BaseProtocol[Any]]:
    """The protocols named (the task's default when none), checked against the task.

    Raises:
        RegistryError: an unknown protocol name.
        ProtocolError: a protocol that does not apply to the task.
    """
    chosen = list(dict.fromkeys(names)) or [task.default_protocol]
    protocols = []
    for name in chosen:
        protocol = get_protocol(name)
        if name not in task.protocols and task.name not in protocol.tasks:
            raise ProtocolError(
                f"protocol {name!r} does not apply to task {task.name!r}; "
                f"its protocols: {', '.join(task.protocols)}"
            )
        protocols.append(protocol)
    return protocols


@dataclass
class ScoreReport:
    """Scores of one task under one or more protocols.

    Attributes:
        task: the task name.
        n: how many samples were scored (all the annotation's questions).
        missing: ids of samples that had no prediction (scored 0).
        scores: ``{protocol: {metric: value}}``; values are fractions in [0, 1] except counts.
        per_sample: ``{protocol: [score per sample, in annotation order]}``.
        metrics_info: ``{protocol: {metric: declaration}}``, what the scores mean
            (:mod:`harmonybench.meaning`).
    """

    task: str
    n: int
    missing: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sample: dict[str, list[float]] = field(default_factory=dict)
    metrics_info: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` contract: task, n, missing (a count), scores and metrics_info."""
        return {"task": self.task, "n": self.n, "missing": len(self.missing),
                "scores": self.scores, "metrics_info": self.metrics_info}


def score_predictions(
    task: Task,
    samples: Sequence[Sample],
    predictions: Mapping[str, str],
    protocols: Sequence[BaseProtocol[Any]],
    source: str | Path | None = None,
) -> ScoreReport:
    """Score every sample; a sample with no prediction scores 0 and is listed as missing.

    Raises:
        DataError: the annotations carry no ground truth (a test split), so nothing can be
            scored.
    """
    if samples and not any(has_ground_truth(s) for s in samples):
        raise DataError(source or task.name, "the annotations have no answers (a test split?): "
                                "nothing to score; submit the predictions to the "
                                "benchmark's server instead")
    missing = [s.id for s in samples if s.id not in predictions]
    texts = [predictions.get(s.id, "") for s in samples]
    missing_set = set(missing)
    report = ScoreReport(task=task.name, n=len(samples), missing=missing)
    for protocol in protocols:
        values = protocol.evaluate_many(texts, samples)
        # A missing prediction is evaluated as "" (so sufficient statistics such as the number
        # of ground-truth regions still count) and its score is forced to 0 ("" could match an
        # empty ground truth under substring rules).
        values = [{**v, protocol.metric: 0.0} if s.id in missing_set else v
                  for s, v in zip(samples, values, strict=True)]
        report.per_sample[protocol.name] = [v[protocol.metric] for v in values]
        report.scores[protocol.name] = protocol.reduce(values, samples)
        report.metrics_info[protocol.name] = table_to_json(protocol.declared_metrics())
    return report
