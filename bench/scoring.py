"""The scoring stage: per-sample scores under named protocols, and their aggregates.

One path produces every score the product prints. :func:`score_records` extracts each
record's answer and scores a batch of them under every protocol with the protocols' batched
:meth:`~harmonybench.protocol.BaseProtocol.evaluate_many` (``run`` after each batch, ``rescore``
over a journal); the dataset numbers are then reduced from those journaled per-sample values
(:meth:`~harmonybench.protocol.BaseProtocol.reduce`), never evaluated again.
``harmonybench score`` goes through the same stage for a prediction file.

An exception while extracting or scoring is a scoring error, not the model's failure: the
record keeps its output, carries :attr:`~harmonybench.schema.Record.score_error`, is counted
apart from failed samples and is scored again by ``rescore``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError, OutputError, ProtocolError
from harmonybench.meaning import table_to_json
from harmonybench.protocol import BaseProtocol
from harmonybench.registries import get_protocol
from harmonybench.schema import Output, Record, Sample, Scores, has_ground_truth
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
        failed: ids of samples that failed (a folder of images without theirs): left out of
            the scores and counted, as ``run`` does (:mod:`harmonybench.image_scoring`).
        detail: more of the ``--json`` object (how a folder of images was read).
    """

    task: str
    n: int
    missing: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sample: dict[str, list[float]] = field(default_factory=dict)
    metrics_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` contract: task, n, missing (a count), scores and metrics_info; a
        folder of images adds ``failed`` (a count) and :attr:`detail`."""
        out = {"task": self.task, "n": self.n, "missing": len(self.missing),
               "scores": self.scores, "metrics_info": self.metrics_info}
        if self.detail:
            out.update({"failed": len(self.failed), **self.detail})
        return out


def require_ground_truth(task: Task, samples: Sequence[Sample],
                         source: str | Path | None = None) -> None:
    """Refuse annotations that carry no ground truth (a test split): nothing can be scored.

    Raises:
        DataError: naming ``source`` (or the task).
    """
    if samples and not any(has_ground_truth(s) for s in samples):
        raise DataError(source or task.name, "the annotations have no answers (a test split?): "
                                "nothing to score; submit the predictions to the "
                                "benchmark's server instead")


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
    require_ground_truth(task, samples, source)
    missing = [s.id for s in samples if s.id not in predictions]
    missing_set = set(missing)
    answers = [task.extract(Output(sample_id=s.id, text=predictions.get(s.id, "")), s)
               for s in samples]
    scored = score_answers(answers, samples, protocols)
    if scored.errors:
        index, message = next(iter(scored.errors.items()))
        raise DataError(source or task.name, f"scoring failed: {message}",
                        record=samples[index].id)
    report = ScoreReport(task=task.name, n=len(samples), missing=missing)
    for protocol in protocols:
        # A missing prediction is evaluated as "" (so sufficient statistics such as the number
        # of ground-truth regions still count) and its score is forced to 0 ("" could match an
        # empty ground truth under substring rules).
        values = [{**v[protocol.name], protocol.metric: 0.0} if s.id in missing_set
                  else v[protocol.name] for s, v in zip(samples, scored.scores, strict=True)]
        report.per_sample[protocol.name] = [v[protocol.metric] for v in values]
        report.scores[protocol.name] = protocol.reduce(values, samples)
        report.metrics_info[protocol.name] = table_to_json(protocol.declared_metrics())
    return report


@dataclass
class ScoredAnswers:
    """Per-sample scores of a batch of answers.

    Attributes:
        scores: ``{protocol: {metric: value}}`` per answer, aligned with the input (empty for
            an answer that raised).
        errors: position -> ``"protocol: ExceptionType: message"`` for the answers a protocol
            could not score.
    """

    scores: list[Scores]
    errors: dict[int, str]


def score_answers(answers: Sequence[Any], samples: Sequence[Sample],
                  protocols: Sequence[BaseProtocol[Any]]) -> ScoredAnswers:
    """Score aligned answers and samples under every protocol, batched.

    Each protocol scores the whole batch with ``evaluate_many``; when that raises, the batch is
    scored again one answer at a time (``evaluate_many`` of one, the same code) to find the
    answers at fault, which get an error and no scores; the others keep theirs.
    """
    scores: list[Scores] = [{} for _ in answers]
    errors: dict[int, str] = {}
    for protocol in protocols:
        try:
            batch = protocol.evaluate_many(answers, samples)
        except Exception:  # a protocol bug on some answer: find which ones
            batch = []
            for i, (answer, sample) in enumerate(zip(answers, samples, strict=True)):
                try:
                    batch.append(protocol.evaluate_many([answer], [sample])[0])
                except Exception as exc:
                    errors.setdefault(i, f"{protocol.name}: {type(exc).__name__}: {exc}")
                    batch.append({})
        for i, values in enumerate(batch):
            if i not in errors:
                scores[i][protocol.name] = dict(values)
    for i in errors:
        scores[i] = {}
    return ScoredAnswers(scores, errors)


def score_records(
    task: Task,
    pairs: Sequence[tuple[Record, Sample]],
    protocols: Sequence[BaseProtocol[Any]],
    *,
    reuse_answers: bool = False,
) -> int:
    """Extract and score records in place (the stage ``run`` and ``rescore`` share).

    A record the model failed on is left alone, and an output the task finds unusable
    (:class:`~harmonybench.errors.OutputError`: a generated image missing or unreadable)
    becomes one. Any other gets its answer (extracted from the
    output; with ``reuse_answers`` the journaled answer is kept where
    :meth:`~harmonybench.task.Task.reusable_answer` allows, so an image-out rescore needs no
    OCR) and its scores under ``protocols``, merged over the scores it had under other
    protocols; an extraction or scoring exception sets ``score_error`` instead. Samples
    without ground truth get an answer and no scores.

    Returns:
        how many answers were extracted (not reused).
    """
    extracted = 0
    todo: list[tuple[Record, Sample]] = []
    for record, sample in pairs:
        if record.failed:
            continue
        record.score_error = None
        if not (reuse_answers and record.answer is not None
                and task.reusable_answer(record.answer)):
            output = Output(sample_id=record.sample_id, text=record.raw_output,
                            images=tuple(record.images))
            extracted += 1
            try:
                record.answer = task.extract(output, sample)
            except OutputError as exc:  # a missing or unreadable image: the model's failure
                record.answer = None
                record.error = f"{type(exc).__name__}: {exc}"
                continue
            except Exception as exc:  # an extraction bug
                record.answer = None
                record.score_error = f"extraction failed: {type(exc).__name__}: {exc}"
                continue
        if has_ground_truth(sample):
            todo.append((record, sample))
    if todo:
        scored = score_answers([r.answer for r, _ in todo], [s for _, s in todo], protocols)
        names = {p.name for p in protocols}
        for i, (record, _) in enumerate(todo):
            kept = {k: v for k, v in record.scores.items() if k not in names}
            if i in scored.errors:
                record.score_error = f"scoring failed: {scored.errors[i]}"
                record.scores = kept
            else:
                record.scores = {**kept, **scored.scores[i]}
    return extracted
