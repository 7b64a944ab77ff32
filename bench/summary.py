"""From journaled records to ``scores.json`` and the printed score table.

A failed sample (an error, or a request kind the model cannot serve) is never scored as wrong:
protocol values are computed over the scored samples, and the failures are counted beside them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from harmonybench.errors import HarmonyBenchError
from harmonybench.frames import FrameLookup
from harmonybench.meaning import MetricMeanings, table_to_json
from harmonybench.protocol import BaseProtocol
from harmonybench.scales import scale_for
from harmonybench.schema import Record, Sample, has_ground_truth
from harmonybench.task import Task

log = logging.getLogger(__name__)

NOTHING_SCORED = "nothing scored"
"""What a table shows (beside a dash) for a task with no scored sample."""


def score_record(record: Record, sample: Sample, protocols: Sequence[BaseProtocol[Any]]) -> None:
    """Fill ``record.scores`` with every protocol's per-sample score (failed records get none)."""
    if record.failed or record.answer is None:
        record.scores = {}
        return
    record.scores = {p.name: p.evaluate(record.answer, sample) for p in protocols}


def summarize_task(
    task: Task,
    samples: Sequence[Sample],
    records: Sequence[Record],
    protocols: Sequence[BaseProtocol[Any]],
    default_protocol: str | None = None,
) -> dict[str, Any]:
    """The ``scores.json`` entry of one task.

    ``default_protocol`` is the run's headline protocol (the task's default, or the variant
    matching the model's coordinate frame).

    Returns:
        ``n`` (samples), ``scored``, ``failed``, ``unsupported``, ``missing`` (no record yet),
        ``errors`` (the first few messages), ``protocols`` ``{name: {metric: value}}`` over
        the scored samples, and ``metrics_info`` ``{name: {metric: declaration}}``: what each
        protocol's and dataset-level score's numbers mean (:mod:`harmonybench.meaning`).
    """
    by_id: Mapping[str, Record] = {r.sample_id: r for r in records}
    known = {s.id for s in samples}
    unknown = [r.sample_id for r in records if r.sample_id not in known]
    if unknown:
        log.warning("%s: %d journaled samples are not in the data (first: %s)",
                    task.name, len(unknown), unknown[0])
    scored_samples: list[Sample] = []
    scored_records: list[Record] = []
    answers: list[Any] = []
    failed = unsupported = missing = 0
    errors: list[str] = []
    for sample in samples:
        record = by_id.get(sample.id)
        if record is None:
            missing += 1
        elif record.unsupported:
            unsupported += 1
        elif record.failed or record.answer is None:
            failed += 1
            if len(errors) < 5:
                errors.append(f"{sample.id}: {record.error}")
        else:
            scored_samples.append(sample)
            scored_records.append(record)
            answers.append(record.answer)
    entry: dict[str, Any] = {
        "kind": task.kind,
        "modality": task.modality,
        "default_protocol": default_protocol or task.default_protocol,
        "n": len(samples),
        "scored": len(scored_samples),
        "failed": failed,
        "unsupported": unsupported,
        "missing": missing,
        "errors": errors,
        "protocols": {},
        "metrics_info": {p.name: table_to_json(p.declared_metrics()) for p in protocols},
    }
    if samples and not any(has_ground_truth(s) for s in samples):
        entry["scored"] = 0
        entry["note"] = "no ground truth (a test split): outputs are journaled, not scored"
        return entry
    if samples and not scored_samples:
        # the protocol values below are reductions over no sample: never a score
        entry["note"] = (f"{NOTHING_SCORED}: {failed} failed, {unsupported} unsupported, "
                         f"{missing} not run")
    readers = sorted({str(a["reader"]) for a in answers if isinstance(a, Mapping)
                      and a.get("reader")})
    for protocol in protocols:
        values = protocol.evaluate_many(answers, scored_samples) if scored_samples else []
        entry["protocols"][protocol.name] = protocol.reduce(values, scored_samples)
        if readers:
            # an OCR-based score is only meaningful with the reader that produced it
            entry["protocols"][protocol.name]["reader"] = "; ".join(readers)
    if scored_samples:
        try:
            dataset = task.dataset_scores(scored_samples, scored_records)
            entry["protocols"].update(dataset)
            entry["metrics_info"].update({name: table_to_json(task.dataset_metrics[name])
                                          for name in dataset if name in task.dataset_metrics})
        except HarmonyBenchError as exc:
            log.warning("%s: dataset-level scores skipped: %s", task.name, exc)
            entry["dataset_errors"] = [str(exc)]
    return entry


def _headline_metric(task: str, entry: Mapping[str, Any],
                     meanings: MetricMeanings) -> tuple[str, str]:
    """The task's headline protocol and its declared main metric (or ``""``)."""
    protocol = str(entry.get("default_protocol") or "")
    declared = meanings.table(task, protocol, entry)
    return protocol, next((m for m, info in declared.items() if info.main), "")


def _is_value(value: Any) -> bool:
    return not (isinstance(value, dict | bool | str) or value is None)


def scores_table(scores: Mapping[str, Any], title: str) -> Table:
    """The score table printed at the end of a run (percentages, failures beside them when
    there are any).

    Per task the headline protocol (``default_protocol``) comes first. Protocols that read
    coordinates in another frame than the model's (:mod:`harmonybench.frames`) are not shown:
    they stay in ``scores.json``, and the caption says how many were left out. A task with no
    scored sample gets one row, a dash and "nothing scored": its protocol values are
    reductions over no sample, never scores (not ``0.00``).
    """
    frames = FrameLookup()
    meanings = MetricMeanings()
    table = Table(title=title)
    tasks = scores.get("tasks", {})
    # "failed" and "unsupported" are columns only when some task has such samples
    shown_counts = ["scored"] + [key for key in ("failed", "unsupported")
                                 if any(entry.get(key) for entry in tasks.values())]
    for column in ("task", "protocol", "metric", "value", "unit", *shown_counts):
        table.add_column(column, justify="right" if column not in {"task", "protocol",
                                                                   "metric"} else "left")
    hidden = 0
    for task, entry in tasks.items():
        counts = tuple(str(entry.get(key, 0)) for key in shown_counts)
        if not entry["scored"]:
            table.add_row(task, *_headline_metric(task, entry, meanings), "–", NOTHING_SCORED,
                          *counts)
            continue
        default = str(entry.get("default_protocol") or "")
        protocols = entry.get("protocols", {})
        for protocol in sorted(protocols, key=lambda p: p != default):
            if default and frames.other_frame(protocol, default):
                hidden += 1
                continue
            for metric, value in protocols[protocol].items():
                if not _is_value(value):
                    continue
                scale = scale_for(meanings.info(task, protocol, metric, entry))
                shown = scale.show(float(value) * scale.factor)
                table.add_row(task, protocol, metric, shown, scale.label, *counts)
    if hidden:
        table.caption = (f"{hidden} protocol(s) for another coordinate frame than the model's "
                         "are in scores.json, not shown")
    return table
