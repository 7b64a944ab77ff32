"""``harmonybench rescore``: re-extract and re-score a run's journals, with no model.

First every task of the run is built from ``run.json`` and every protocol asked for is checked
against it, so a protocol that does not apply is refused before any data is read. Then, per
task, the data is read again from the path recorded in ``run.json`` and checked against the
recorded sha256 (a changed file is refused unless ``force``), and every record the model did not
fail on goes through the scoring stage ``run`` uses (:func:`harmonybench.scoring.score_records`):
text answers are extracted again from the raw outputs, while image-out readings are kept when
they came from the reader the task uses now (no OCR: a metric fix is applied to an old run in
seconds) and read again, with a warning that says so, when the reader changed. Records that
had a scoring error are scored again. The journals are rewritten atomically and
``scores.json`` is written again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
from harmonybench.journal import iter_journal_files, read_journal, rewrite_journal
from harmonybench.protocol import BaseProtocol
from harmonybench.registries import get_task
from harmonybench.resultfiles import RunInfo, ScoresFile, TaskSpec
from harmonybench.runfolder import RunFolder, now, recorded_path, sha256_file
from harmonybench.schema import Record
from harmonybench.scoring import resolve_protocols, score_records
from harmonybench.summary import summarize_task
from harmonybench.task import Task

log = logging.getLogger(__name__)


@dataclass
class _Planned:
    """A task of the run, built and with its protocols checked, before any data is read."""

    task: Task
    spec: TaskSpec
    protocols: list[BaseProtocol[Any]]


def _plan(folder: RunFolder, info: RunInfo, protocols: Sequence[str]) -> list[_Planned]:
    planned = []
    for spec in info.tasks:
        options = dict(spec.options)
        options.pop("default_protocol", None)
        task = get_task(spec.task, options)
        planned.append(_Planned(task, spec, resolve_protocols(task, protocols or task.protocols)))
    return planned


def _rescore_journals(folder: RunFolder, item: _Planned, by_id: Mapping[str, Any]) -> list[Record]:
    """Score every journal of one task again; returns the records, rewritten in place."""
    task = item.task
    records_all: list[Record] = []
    extracted = kept = 0
    readers: set[str] = set()
    for path in iter_journal_files(folder.task_dir(task.name)):
        records = read_journal(path).records
        pairs = [(r, by_id[r.sample_id]) for r in records if r.sample_id in by_id]
        answered = [r for r, _ in pairs if not r.failed and r.answer is not None]
        readers |= {str(r.answer["reader"]) for r in answered
                    if isinstance(r.answer, Mapping) and r.answer.get("reader")
                    and not task.reusable_answer(r.answer)}
        reusable = sum(1 for r in answered if task.reusable_answer(r.answer))
        extracted += score_records(task, pairs, item.protocols, reuse_answers=True)
        kept += reusable
        rewrite_journal(path, records)
        records_all.extend(records)
    if readers:
        log.warning("%s: the journaled readings came from %s, not from the reader the task "
                    "uses now (%s): %d outputs were read again", task.name,
                    "; ".join(sorted(readers)), task.answer_reader(),
                    extracted)
    elif kept:
        log.info("%s: %d journaled readings reused (same reader), %d outputs extracted",
                 task.name, kept, extracted)
    return records_all


def rescore(run_dir: str | Path, protocols: Sequence[str] = (), *,
            force: bool = False) -> dict[str, Any]:
    """Re-score every task of a run folder; returns the new ``scores.json`` content.

    Raises:
        RegistryError, ProtocolError: an unknown protocol, or one that does not apply to one
            of the run's tasks (before anything is read or written).
        DataError: a task's data is gone, or changed without ``force``.
    """
    folder = RunFolder(Path(run_dir).expanduser())
    info = folder.read_run_info()
    planned = _plan(folder, info, protocols)
    scores: dict[str, Any] = {"run_id": info.run_id, "model": info.model,
                              "written": now(), "rescored": True, "tasks": {}}
    for item in planned:
        task, spec = item.task, item.spec
        data = recorded_path(folder.root, spec, "data")
        if data is None or not data.exists():
            raise DataError(data or folder.run_json, f"the data of task {task.name!r} "
                                                     f"recorded in {folder.run_json} is gone")
        digest = sha256_file(data)
        if digest != spec.data_sha256 and not force:
            raise DataError(data, "changed since the run (sha256 differs from run.json); "
                                  "pass --force to rescore against the new file")
        images = recorded_path(folder.root, spec, "images")
        samples = task.load(data, images)
        if spec.limit is not None:
            samples = samples[: spec.limit]
        records_all = _rescore_journals(folder, item, {s.id: s for s in samples})
        latest = {r.sample_id: r for r in records_all}
        scores["tasks"][task.name] = summarize_task(
            task, samples, list(latest.values()), item.protocols,
            default_protocol=spec.default_protocol)
    typed = ScoresFile.model_validate(scores)
    folder.write_scores(typed)
    return typed.to_json_dict()
