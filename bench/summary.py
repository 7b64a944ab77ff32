"""From journaled records to ``scores.json`` and the printed score table.

A failed sample (an error, or a request kind the model cannot serve) is never scored as wrong:
protocol values are reduced over the scored samples, and the failures are counted beside them;
so are scoring errors (:attr:`~harmonybench.schema.Record.score_error`), apart from failures.
The values reduced are the journaled per-sample ones (:mod:`harmonybench.scoring`).
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
from harmonybench.scoring import score_records
from harmonybench.task import Task

log = logging.getLogger(__name__)

NOTHING_SCORED = "nothing scored"
"""What a table shows (beside a dash) for a task with no scored sample."""


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

    Each protocol's numbers are reduced from the records' journaled per-sample values. A
    record that has none under some protocol (a journal written before that protocol was
    chosen) is scored first, by the same stage as ``run`` (:func:`score_records`).

    Returns:
        ``n`` (samples), ``scored``, ``failed``, ``unsupported``, ``score_errors`` (outputs
        that could not be extracted or scored: ``rescore`` retries them), ``missing`` (no
        record yet), ``errors`` (the first few messages), ``protocols``
        ``{name: {metric: value}}`` over the scored samples, and ``metrics_info``
        ``{name: {metric: declaration}}``: what each protocol's and dataset-level score's
        numbers mean (:mod:`harmonybench.meaning`); and ``usage`` (:func:`usage_totals`) when
        the adapter journaled any (a served model's tokens, requests and latency).
    """
    by_id: Mapping[str, Record] = {r.sample_id: r for r in records}
    known = {s.id for s in samples}
    unknown = [r.sample_id for r in records if r.sample_id not in known]
    if unknown:
        log.warning("%s: %d journaled samples are not in the data (first: %s)",
                    task.name, len(unknown), unknown[0])
    scored_samples: list[Sample] = []
    scored_records: list[Record] = []
    names = [p.name for p in protocols]
    unscored = [(r, s) for s in samples if has_ground_truth(s)
                for r in [by_id.get(s.id)] if r is not None and r.scored
                and any(name not in r.scores for name in names)]
    if unscored:
        score_records(task, unscored, protocols, reuse_answers=True)
    answers: list[Any] = []
    failed = unsupported = missing = score_errors = 0
    errors: list[str] = []
    for sample in samples:
        record = by_id.get(sample.id)
        if record is None:
            missing += 1
        elif record.unsupported:
            unsupported += 1
        elif record.failed or (record.answer is None and record.score_error is None):
            failed += 1
            if len(errors) < 5:
                errors.append(f"{sample.id}: {record.error or 'no answer'}")
        elif record.score_error is not None:
            score_errors += 1
            if len(errors) < 5:
                errors.append(f"{sample.id}: {record.score_error}")
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
        "score_errors": score_errors,
        "missing": missing,
        "errors": errors,
        "protocols": {},
        "metrics_info": {p.name: table_to_json(p.declared_metrics()) for p in protocols},
    }
    usage = usage_totals(records)
    if usage is not None:
        entry["usage"] = usage
    if samples and not any(has_ground_truth(s) for s in samples):
        entry["scored"] = 0
        entry["note"] = "no ground truth (a test split): outputs are journaled, not scored"
        return entry
    if samples and not scored_samples:
        # the protocol values below are reductions over no sample: never a score
        entry["note"] = (f"{NOTHING_SCORED}: {failed} failed, {unsupported} unsupported, "
                         f"{score_errors} scoring errors, {missing} not run")
    readers = sorted({str(a["reader"]) for a in answers if isinstance(a, Mapping)
                      and a.get("reader")})
    for protocol in protocols:
        values = [r.scores[protocol.name] for r in scored_records]
        entry["protocols"][protocol.name] = protocol.reduce(values, scored_samples)
        warning = entry["protocols"][protocol.name].get("warning")
        if isinstance(warning, str) and protocol.name == entry["default_protocol"]:
            # a protocol's own warning (a grounding frame that does not fit the answers)
            # stays in its mapping; it is logged for the headline protocol only, since the
            # other frames' variants misread the answers by design (harmonybench.frames)
            log.warning("%s: %s: %s", task.name, protocol.name, warning)
        if readers:
            # an OCR-based score is only meaningful with the reader that produced it
            entry["protocols"][protocol.name]["reader"] = "; ".join(readers)
    if scored_samples:
        from harmonybench.dataset_scoring import dataset_scores

        try:
            dataset, dataset_info = dataset_scores(task, scored_samples, scored_records)
            entry["protocols"].update(dataset)
            entry["metrics_info"].update(dataset_info)
        except HarmonyBenchError as exc:
            log.warning("%s: dataset-level scores skipped: %s", task.name, exc)
            entry["dataset_errors"] = [str(exc)]
    return entry


def usage_totals(records: Sequence[Record]) -> dict[str, float] | None:
    """The task's API usage: each record's ``metadata["usage"]`` counts summed.

    Adapters that call a served model (``openai``) journal ``usage`` per sample
    (``prompt_tokens``, ``completion_tokens``, ``requests``: HTTP attempts); the totals add
    ``samples`` (records with usage) and ``latency_s`` (their latencies summed: request-seconds,
    not wall time, when requests overlap). A hosted API bills the token totals. ``None`` when
    no record has usage (other adapters: ``scores.json`` has no ``usage`` key). Samples sent
    again with ``--retry-failed`` count their last attempt only (the failed record is
    replaced).
    """
    totals: dict[str, float] = {}
    samples = 0
    latency = 0.0
    for record in records:
        usage = record.metadata.get("usage")
        if not isinstance(usage, Mapping):
            continue
        samples += 1
        latency += float(record.latency_s or 0.0)
        for key, value in usage.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[str(key)] = totals.get(str(key), 0) + value
    if not samples:
        return None
    return {**dict(sorted(totals.items())), "samples": samples, "latency_s": round(latency, 6)}


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
    # "failed", "unsupported" and "score_errors" are columns only when some task has such
    # samples
    shown_counts = ["scored"] + [key for key in ("failed", "unsupported", "score_errors")
                                 if any(entry.get(key) for entry in tasks.values())]
    for column in ("task", "protocol", "metric", "value", "unit",
                   *(key.replace("_", " ") for key in shown_counts)):
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
