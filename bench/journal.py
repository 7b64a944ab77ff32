"""Append-only JSONL journals of records: one file per task and rank.

A journal line is written and flushed to the operating system after every batch, so a killed
process (Ctrl-C, ``kill -9``, a crash inside the model) loses at most the batch in flight. The
last line of a journal can be torn by such a kill: reading detects it (no newline, or not JSON)
and drops it, and :meth:`Journal.open` truncates it away before appending. A bad line anywhere
else is corruption and is reported with its file and line number.

Generated image paths (:attr:`Record.images`) are stored relative to the run folder (the
journal's grandparent) when they lie inside it, absolute otherwise, and joined back onto the
run folder when read: a run folder read from another working directory, or moved, still finds
its images. An older journal's path was relative to the working directory it ran in
(``OUTPUT/<run id>/TASK/images/...``); it is read from the component after the run id on (a
stored relative path never holds the run id, so the two cannot be confused).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harmonybench.errors import DataError
from harmonybench.resultfiles import SchemaVersionError, read_record
from harmonybench.schema import Record

log = logging.getLogger(__name__)

JOURNAL_GLOB = "journal.rank*.jsonl"


def journal_path(task_dir: Path, rank: int) -> Path:
    """Where rank ``rank`` journals a task."""
    return task_dir / f"journal.rank{rank}.jsonl"


def _run_root(path: Path) -> Path:
    """The run folder a journal file belongs to (``RUN/TASK/journal.rankN.jsonl``)."""
    return path.parent.parent


def stored_line(record: Record, root: Path) -> str:
    """``record`` as a journal line, its image paths relative to ``root`` where inside it."""
    if not record.images:
        return record.to_json()
    base = os.path.abspath(root)
    images = []
    for image in record.images:
        absolute = os.path.abspath(image)
        inside = os.path.commonpath([base, absolute]) == base
        images.append(Path(os.path.relpath(absolute, base)).as_posix() if inside else absolute)
    return record.model_copy(update={"images": images}).to_json()


def _loaded_path(image: str, root: Path, run_id: str) -> str:
    path = Path(image)
    if path.is_absolute():
        return image
    if run_id not in path.parts:
        return str(root / path)
    # an older journal's path relative to the directory it ran in: RUNS/<run id>/TASK/...
    inside = path.parts[len(path.parts) - path.parts[::-1].index(run_id):]
    return str(root.joinpath(*inside))


def _loaded(record: Record, root: Path) -> Record:
    if record.images:
        record.images = [_loaded_path(image, root, record.run_id) for image in record.images]
    return record


@dataclass(frozen=True)
class JournalRead:
    """What reading a journal found: its records and whether a torn last line was dropped."""

    records: list[Record]
    torn_bytes: int
    good_size: int


def read_journal(path: Path) -> JournalRead:
    """Read every complete record of one journal file.

    Each line is parsed and validated by :func:`harmonybench.resultfiles.read_record`.

    Raises:
        DataError: a line other than the last one is not a JSON record (names the line and
            the field), or a line of a schema version this harmonybench does not read.
    """
    if not path.exists():
        return JournalRead([], 0, 0)
    raw = path.read_bytes()
    root = _run_root(path)
    records: list[Record] = []
    offset = 0
    lines = raw.split(b"\n")
    # raw.split leaves a final element: b"" after a trailing newline, else a torn fragment.
    for lineno, line in enumerate(lines[:-1], start=1):
        if line.strip():
            try:
                records.append(_loaded(read_record(line, path=path, lineno=lineno), root))
            except SchemaVersionError:
                raise
            except DataError as exc:
                if lineno == len(lines) - 1 and not lines[-1]:
                    # The last complete-looking line is garbage: treat it as torn too.
                    log.warning("%s: dropping unreadable last line %d", path, lineno)
                    return JournalRead(records, len(raw) - offset, offset)
                raise DataError(path, f"journal line is not a record: {exc.problem}",
                                record=exc.record, field=exc.field) from None
        offset += len(line) + 1
    torn = lines[-1]
    if torn:
        log.warning("%s: dropping a torn last line (%d bytes) left by an interrupted run",
                    path, len(torn))
    return JournalRead(records, len(torn), offset)


def read_task_journals(task_dir: Path) -> list[Record]:
    """All records of a task, every rank's journal; a later record of a sample supersedes."""
    latest: dict[str, Record] = {}
    for path in sorted(task_dir.glob(JOURNAL_GLOB)):
        for record in read_journal(path).records:
            latest.pop(record.sample_id, None)
            latest[record.sample_id] = record
    return list(latest.values())


class Journal:
    """An open journal file that records are appended to, batch by batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def open(self) -> Journal:
        """Open for appending, after cutting off a torn last line."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        found = read_journal(self.path)
        if found.torn_bytes:
            with self.path.open("r+b") as fh:
                fh.truncate(found.good_size)
        self._fh = self.path.open("a", encoding="utf-8")
        return self

    def append(self, records: Iterable[Record]) -> None:
        """Write records and flush them to the operating system.

        Raises:
            OutputWriteError: disk full or a read-only folder (one line); a partly written
                line is a torn last line, dropped on reading, so a later resume completes.
        """
        if self._fh is None:
            raise RuntimeError("journal is not open")
        root = _run_root(self.path)
        from harmonybench.outputs import disk_errors

        with disk_errors(f"the journal {self.path}"):
            self._fh.write("".join(stored_line(r, root) + "\n" for r in records))
            self._fh.flush()

    def close(self) -> None:
        """Flush, sync to disk and close."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def rewrite_journal(path: Path, records: Iterable[Record]) -> None:
    """Replace a journal's content atomically (temporary file, then rename)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    root = _run_root(path)
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(stored_line(record, root) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def iter_journal_files(task_dir: Path) -> Iterator[Path]:
    """Every rank's journal of a task, sorted."""
    yield from sorted(task_dir.glob(JOURNAL_GLOB))
