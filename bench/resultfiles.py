"""Reading and writing the result files of a run: the one module every reader and writer uses.

``run.json`` (:class:`RunInfo`), ``scores.json`` (:class:`ScoresFile`) and journal lines
(:class:`Record`) are the pydantic models of :mod:`harmonybench.resultmodels`. Here they are
read (:func:`read_run_info`, :func:`read_scores`, :func:`read_record`) and written
(:func:`write_run_info`, :func:`write_scores`: atomically, a temporary file then a rename).

What goes wrong is one :class:`~harmonybench.errors.DataError`, never a traceback:

- a file of another ``schema_version`` names the file, the version, the versions this
  harmonybench reads, and says to upgrade (:class:`SchemaVersionError`);
- a file that fails validation names the file, the record (``task textvqa``, ``tasks[0]``,
  ``line 12``) and the field, from the location pydantic reports
  (https://docs.pydantic.dev/2.14/errors/errors/).

``python -m harmonybench.resultfiles --write-schemas DIR`` writes the JSON Schemas of the
three files (``docs/schemas/``); ``--check-schemas DIR`` fails when they are out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from harmonybench.errors import DataError
from harmonybench.resultmodels import (
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    Attempt,
    MetricDecl,
    ModelSpec,
    Record,
    RunInfo,
    ScoresFile,
    TaskEntry,
    TaskSpec,
    Versioned,
)

__all__ = [
    "READABLE_VERSIONS",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "Attempt",
    "MetricDecl",
    "ModelSpec",
    "Record",
    "RunInfo",
    "SchemaVersionError",
    "ScoresFile",
    "TaskEntry",
    "TaskSpec",
    "read_json",
    "read_record",
    "read_run_info",
    "read_scores",
    "schema_texts",
    "write_json_atomic",
    "write_run_info",
    "write_scores",
]

M = TypeVar("M", bound=Versioned)

SCHEMAS: dict[str, type[Any]] = {
    "run.schema.json": RunInfo,
    "scores.schema.json": ScoresFile,
    "journal-record.schema.json": Record,
}
"""The JSON Schema files of ``docs/schemas/`` and the models they are generated from."""


class SchemaVersionError(DataError):
    """A file (or journal line) of a ``schema_version`` this harmonybench does not read."""


def _readable() -> str:
    return ", ".join(str(v) for v in READABLE_VERSIONS)


def check_version(path: str | Path, value: Any, *, record: str | None = None,
                  key: str = "schema_version") -> None:
    """Raise :class:`SchemaVersionError` unless ``value`` is a version this harmonybench reads
    (a missing key, ``None`` here, is version 1)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)
                         and value in READABLE_VERSIONS):
        return
    from harmonybench import __version__

    if isinstance(value, int) and not isinstance(value, bool) and value > SCHEMA_VERSION:
        problem = (f"schema_version {value} is newer than this harmonybench ({__version__}) "
                   f"reads (versions {_readable()}); upgrade harmonybench to read this file")
    else:
        problem = (f"schema_version {value!r} is not one this harmonybench ({__version__}) "
                   f"reads (versions {_readable()})")
    raise SchemaVersionError(path, problem, record=record, field=key)


def _where(loc: Sequence[int | str], raw: Any) -> tuple[str | None, str | None]:
    """The record and the field a pydantic error location points at."""
    if not loc:
        return None, None
    head = loc[0]
    if head == "tasks" and len(loc) > 1:
        key = loc[1]
        if isinstance(key, int):
            tasks = raw.get("tasks") if isinstance(raw, dict) else None
            name = tasks[key].get("task") if isinstance(tasks, list) and key < len(tasks) \
                and isinstance(tasks[key], dict) else None
            record = f"tasks[{key}]" + (f" ({name})" if isinstance(name, str) else "")
        else:
            record = f"task {key}"
        rest = loc[2:]
    elif head == "attempts" and len(loc) > 1:
        record, rest = f"attempts[{loc[1]}]", loc[2:]
    else:
        record, rest = None, loc
    field = ".".join(str(part) for part in rest) or str(head)
    return record, field


def validation_error(path: str | Path, exc: ValidationError, raw: Any = None, *,
                     record: str | None = None) -> DataError:
    """One DataError for a failed validation: the first problem's record and field, and how
    many more there are."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where, field = _where(first["loc"], raw)
    problem = str(first["msg"])
    if first["type"] not in {"missing"} and "input" in first:
        shown = repr(first["input"])
        problem += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    if len(errors) > 1:
        problem += f"; and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''}"
    if record is not None:
        where = record if where is None else f"{record}, {where}"
    return DataError(path, problem, record=where, field=field)


def read_json(path: Path) -> Any:
    """A JSON file's content; unreadable or malformed files raise one DataError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", record=f"line {exc.lineno}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text: {exc.reason}") from exc
    except OSError as exc:
        raise DataError(path, f"cannot be read: {exc.strerror or exc}") from exc


def _read(path: Path, model: type[M]) -> M:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise DataError(path, "must be a JSON object")
    check_version(path, raw.get("schema_version"))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc, raw) from None


def read_run_info(path: str | Path) -> RunInfo:
    """Read ``run.json``.

    Raises:
        DataError: unreadable, not JSON, another schema version, or a malformed field.
    """
    return _read(Path(path), RunInfo)


def read_scores(path: str | Path) -> ScoresFile:
    """Read ``scores.json``.

    Raises:
        DataError: unreadable, not JSON, another schema version, or a malformed field.
    """
    return _read(Path(path), ScoresFile)


def read_record(line: str | bytes, *, path: str | Path = "<journal>",
                lineno: int | None = None) -> Record:
    """Parse one journal line (pydantic's JSON parser: no intermediate dict).

    Raises:
        SchemaVersionError: the line's ``v`` is a version this harmonybench does not read.
        DataError: the line is not JSON or not a record; names the line and the field.
    """
    where = f"line {lineno}" if lineno is not None else None
    try:
        record = Record.model_validate_json(line)
    except ValidationError as exc:
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raw = None
        if isinstance(raw, dict):
            check_version(path, raw.get("v"), record=where, key="v")
        elif raw is None:
            raise DataError(path, "journal line is not JSON (a torn or damaged line)",
                            record=where) from None
        raise validation_error(path, exc, record=where) from None
    if record.schema_version != 1:
        check_version(path, record.schema_version, record=where, key="v")
    return record


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON atomically (a temporary file beside it, then a rename).

    Raises:
        OutputWriteError: disk full, a read-only folder...: one line, and no temporary file
            is left (:func:`harmonybench.outputs.write_output`).
    """
    from harmonybench.outputs import write_output

    write_output(path, json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n",
                 what=path.name)


def _write(path: Path, value: Versioned) -> None:
    value.schema_version = SCHEMA_VERSION  # marks the field as set: every new file has it
    body = value.to_json_dict()
    write_json_atomic(path, {"schema_version": body.pop("schema_version"), **body})


def write_run_info(path: str | Path, info: RunInfo) -> None:
    """Write ``run.json`` (at the current :data:`SCHEMA_VERSION`)."""
    _write(Path(path), info)


def write_scores(path: str | Path, scores: ScoresFile) -> None:
    """Write ``scores.json`` (at the current :data:`SCHEMA_VERSION`)."""
    _write(Path(path), scores)


def schema_texts() -> dict[str, str]:
    """Each JSON Schema file's text, generated from its model."""
    texts = {}
    for name, model in SCHEMAS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **model.model_json_schema(by_alias=True)}
        texts[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harmonybench.resultfiles --write-schemas DIR`` (or ``--check-schemas``)."""
    parser = argparse.ArgumentParser(prog="python -m harmonybench.resultfiles",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write-schemas", metavar="DIR", type=Path)
    group.add_argument("--check-schemas", metavar="DIR", type=Path)
    args = parser.parse_args(argv)
    texts = schema_texts()
    if args.write_schemas is not None:
        args.write_schemas.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (args.write_schemas / name).write_text(text, encoding="utf-8")
        return 0
    stale = [name for name, text in texts.items()
             if not (args.check_schemas / name).is_file()
             or (args.check_schemas / name).read_text(encoding="utf-8") != text]
    for name in stale:
        print(f"{args.check_schemas / name}: out of date; run python -m "
              f"harmonybench.resultfiles --write-schemas {args.check_schemas}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
