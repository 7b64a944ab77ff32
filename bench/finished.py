"""Reusing a finished run: the same command run again returns its ``scores.json`` at once.

A run folder is finished for a set of prepared tasks when ``scores.json`` names every one of
them and was written after the last journal line of each (its modification time is no older
than any journal's), every sample of each task has a record, and the packages that can change
a score (``run.json``'s ``packages``) are the installed ones. Then nothing would be
generated and merging would only recompute the same numbers, which for image-out tasks means
reading every generated image again; :func:`finished_scores` hands back the file instead.
``--fresh`` and ``--retry-failed`` always run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harmonybench.errors import DataError
from harmonybench.journal import iter_journal_files, read_task_journals
from harmonybench.resultfiles import ScoresFile
from harmonybench.runfolder import RunFolder


def finished_scores(folder: RunFolder, tasks: Mapping[str, Sequence[str]], *,
                    packages: Mapping[str, Any]) -> ScoresFile | None:
    """``scores.json`` of ``folder`` when it is finished for ``tasks`` (name: sample ids).

    A folder whose files do not validate (or are of another schema version) is not finished:
    the run goes on and writes them again.
    """
    if not folder.scores_json.is_file() or not folder.run_json.is_file():
        return None
    try:
        scores = folder.read_scores()
        if folder.read_run_info().packages != dict(packages):
            return None
    except DataError:
        return None
    written = folder.scores_json.stat().st_mtime
    for name, sample_ids in tasks.items():
        if name not in scores.tasks:
            return None
        task_dir = folder.task_dir(name)
        if any(path.stat().st_mtime > written for path in iter_journal_files(task_dir)):
            return None
        done = {r.sample_id for r in read_task_journals(task_dir)}
        if any(sample_id not in done for sample_id in sample_ids):
            return None
    return scores
