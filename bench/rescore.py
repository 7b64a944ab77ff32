"""``harmonybench rescore``: re-extract and re-score a run's journals, with no model.

The task data is read again from the path recorded in ``run.json`` and checked against the
recorded sha256 (a changed file is refused unless ``force``), answers are re-extracted from the
raw outputs, every record's scores are recomputed under the chosen protocols, the journals are
rewritten atomically and ``scores.json`` is written again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError
from harmonybench.journal import iter_journal_files, read_journal, rewrite_journal
from harmonybench.registries import get_task
from harmonybench.runfolder import RunFolder, now, recorded_path, sha256_file
from harmonybench.schema import Output
from harmonybench.scoring import resolve_protocols
from harmonybench.summary import score_record, summarize_task

log = logging.getLogger(__name__)


def rescore(run_dir: str | Path, protocols: Sequence[str] = (), *,
            force: bool = False) -> dict[str, Any]:
    """Re-score every task of a run folder; returns the new ``scores.json`` content."""
    folder = RunFolder(Path(run_dir).expanduser())
    info = folder.read_run_json()
    scores: dict[str, Any] = {"run_id": info.get("run_id"), "model": info.get("model"),
                              "written": now(), "rescored": True, "tasks": {}}
    for spec in info.get("tasks", []):
        options = dict(spec.get("options") or {})
        options.pop("default_protocol", None)
        task = get_task(spec["task"], options)
        data = recorded_path(folder.root, spec, "data")
        if data is None or not data.exists():
            raise DataError(data or folder.run_json, f"the data of task {task.name!r} "
                                                     f"recorded in {folder.run_json} is gone")
        digest = sha256_file(data)
        if digest != spec.get("data_sha256") and not force:
            raise DataError(data, "changed since the run (sha256 differs from run.json); "
                                  "pass --force to rescore against the new file")
        images = recorded_path(folder.root, spec, "images")
        samples = task.load(data, images)
        if spec.get("limit") is not None:
            samples = samples[: int(spec["limit"])]
        by_id = {s.id: s for s in samples}
        chosen = resolve_protocols(task, protocols or task.protocols)
        records_all = []
        for path in iter_journal_files(folder.task_dir(task.name)):
            records = read_journal(path).records
            for record in records:
                sample = by_id.get(record.sample_id)
                if sample is None or record.failed:
                    continue
                output = Output(sample_id=record.sample_id, text=record.raw_output,
                                images=tuple(record.images))
                record.answer = task.extract(output, sample)
                previous = {k: v for k, v in record.scores.items()
                            if k not in {p.name for p in chosen}}
                score_record(record, sample, chosen)
                record.scores = {**previous, **record.scores}
            rewrite_journal(path, records)
            records_all.extend(records)
        latest = {r.sample_id: r for r in records_all}
        scores["tasks"][task.name] = summarize_task(
            task, samples, list(latest.values()), chosen,
            default_protocol=spec.get("default_protocol"))
    folder.write_json(folder.scores_json, scores)
    return scores
