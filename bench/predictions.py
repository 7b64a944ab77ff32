"""Reading prediction files written by any tool, with one clear error for every bad record.

Accepted layouts (``harmonybench score --predictions FILE``):

- a JSON list, or JSONL (one object a line), of objects with an id key (the first present of
  ``id``, ``question_id``, ``questionId``, ``index``) and a text key (the first present of
  ``prediction``, ``predict``, ``pred``, ``response``, ``answer``). ``answer`` comes last
  because files that carry a prediction under another key often keep the ground truth under
  ``answer``; Monkey's and TextHarmony's result files carry the prediction there alone.
- for tasks whose samples are identified by position (OCRBench), the official style as well:
  the annotation list itself with a ``predict`` field on each record, matched by position (its
  own ``id`` field is not unique, so it is not used). A record without ``predict`` is a
  missing prediction (it scores 0 and is counted in ``missing``); the official
  ``OCRBench/example.py`` likewise gives it no point.
- LLaVA's answer lines (``{"question_id", "prompt", "text", "answer_id", ...}``), joined to the
  annotations by image id and the question read from the prompt, as LLaVA's
  ``eval_textvqa.py`` does (:mod:`harmonybench.answer_files`).
- the 2023 MultimodalOCR answer files (``answer`` next to ``gt_answers``), one file per dataset
  or a model's folder of them, as ``<dataset>/<position>`` ids (:mod:`harmonybench.answer_files`).

Files that carry their own ground truth (the last layout, OCRBench's official ``predict``
style) are also their own predictions: :func:`predictions_in_data` reads them when
``harmonybench score`` is given no ``--predictions``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harmonybench.answer_files import join_llava, looks_llava, looks_mmocr, mmocr_answer_files
from harmonybench.errors import DataError
from harmonybench.safeload import json_loads
from harmonybench.schema import Sample

ID_KEYS: tuple[str, ...] = ("id", "question_id", "questionId", "index")
TEXT_KEYS: tuple[str, ...] = ("prediction", "predict", "pred", "response", "answer")


@dataclass(frozen=True)
class Predictions:
    """Predicted texts by sample id, and how the file was read."""

    path: Path
    texts: Mapping[str, str]
    style: str
    """``records`` (id + text keys), ``positional`` (OCRBench official style), ``llava``
    (LLaVA answer lines) or ``mmocr-2023`` (the 2023 MultimodalOCR answer files)."""


def iter_json_records(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(locator, value)`` for each record of a JSON list or a JSONL file.

    The locator names the record in messages: ``line N`` for JSONL (1-based, as editors
    count), ``record N`` for a JSON list (0-based position, as the list indexes it).

    Raises:
        DataError: the file is missing, empty, or not JSON/JSONL.
    """
    if not path.exists():
        raise DataError(path, "file not found")
    if path.is_dir():
        raise DataError(path, "is a folder, expected a JSON or JSONL file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    stripped = text.lstrip()
    if not stripped:
        raise DataError(path, "file is empty")
    if stripped[0] == "[":
        try:
            data = json_loads(text, path)
        except json.JSONDecodeError as exc:
            raise DataError(
                path, f"not valid JSON: {exc.msg}", record=f"line {exc.lineno} column {exc.colno}"
            ) from exc
        for i, value in enumerate(data):
            yield f"record {i}", value
        return
    lines = text.splitlines()
    if stripped[0] == "{" and len([line for line in lines if line.strip()]) > 1:
        whole = _one_object(path, text)
        if whole is not None:
            yield "record 0", whole
            return
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json_loads(line, path, record=f"line {lineno}")
        except json.JSONDecodeError as exc:
            raise DataError(path, f"not valid JSON: {exc.msg}", record=f"line {lineno}") from exc
        yield f"line {lineno}", value


def _one_object(path: Path, text: str) -> dict[str, Any] | None:
    """The file as one (pretty-printed) JSON object when it is one, else ``None`` (JSONL).

    Raises:
        DataError: it is one object but not a prediction record (no id key): a mapping of ids
            to texts, or a wrapper around the records.
    """
    try:
        value = json_loads(text, path)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    if first_key(value, ID_KEYS) is None:
        keys = ", ".join(repr(k) for k in list(value)[:5]) + (", ..." if len(value) > 5 else "")
        raise DataError(path, f"is one JSON object (keys {keys}), not prediction records: "
                        "expected a JSON list of objects, or JSON Lines (one object a line), "
                        f"each with an id key ({', '.join(ID_KEYS)}) and a text key "
                        f"({', '.join(TEXT_KEYS)})")
    return value


def normalise_id(value: Any, path: Path, locator: str, key: str) -> str:
    """An id as the string samples use: ints and integral floats print as ints."""
    if isinstance(value, bool) or value is None:
        raise DataError(path, f"id must be a string or an integer, got {value!r}",
                        record=locator, field=key)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise DataError(path, f"id must be a string or an integer, got {value!r}",
                        record=locator, field=key)
    if isinstance(value, str):
        if not value.strip():
            raise DataError(path, "id is empty", record=locator, field=key)
        return value
    raise DataError(path, f"id must be a string or an integer, got {type(value).__name__}",
                    record=locator, field=key)


def prediction_text(value: Any, path: Path, locator: str, key: str) -> str:
    """A prediction as text: strings as they are, numbers printed; anything else is an error."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise DataError(
        path,
        f"prediction must be a string, got {'null' if value is None else type(value).__name__}",
        record=locator,
        field=key,
    )


def first_key(record: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    """The first of ``keys`` present in ``record``."""
    return next((k for k in keys if k in record), None)


def looks_positional(records: Sequence[tuple[str, Any]]) -> bool:
    """Whether ``records`` are the official "annotation list plus ``predict``" layout.

    Told from the records: the first is an object with ``answers`` or ``question``, and some
    record has ``predict`` (records without one are missing predictions).
    """
    first = records[0][1]
    return isinstance(first, dict) and ("answers" in first or "question" in first) and any(
        isinstance(r, dict) and "predict" in r for _, r in records
    )


def _read_positional(
    path: Path, records: Sequence[tuple[str, Any]], samples: Sequence[Sample]
) -> dict[str, str]:
    if len(records) != len(samples):
        raise DataError(
            path,
            f"has {len(records)} records but the annotations have {len(samples)}; "
            "official-style files are matched by position and must have one record per question",
        )
    texts: dict[str, str] = {}
    for (locator, record), sample in zip(records, samples, strict=True):
        if not isinstance(record, dict):
            raise DataError(path, f"expected a JSON object, got {type(record).__name__}",
                            record=locator)
        if "predict" not in record:
            continue  # missing: scored 0 and counted, as the official script gives no point
        question = record.get("question")
        if question is not None and sample.question is not None and question != sample.question:
            raise DataError(
                path,
                f"question differs from the annotations' question at this position "
                f"({question!r} vs {sample.question!r}); is it the same annotation file?",
                record=locator,
                field="question",
            )
        texts[sample.id] = prediction_text(record["predict"], path, locator, "predict")
    return texts


def read_predictions(
    path: str | Path, samples: Sequence[Sample], *, positional: bool = False
) -> Predictions:
    """Read a prediction file and check it against the annotation samples.

    Args:
        path: the predictions file.
        samples: the annotation samples, in file order.
        positional: whether the task identifies samples by position, so that the official
            "annotation list plus ``predict``" layout is accepted.

    Raises:
        DataError: malformed file or record, a missing id or text key, a duplicate id, or an
            id that is not in the annotations.
    """
    file = Path(path).expanduser()
    if file.is_dir():
        return Predictions(file, _checked(file, mmocr_texts(file), samples), "mmocr-2023")
    records = list(iter_json_records(file))
    if not records:
        raise DataError(file, "has no records")
    if positional and looks_positional(records):
        return Predictions(file, _read_positional(file, records, samples), "positional")
    if looks_llava(records[0][1]):
        return Predictions(file, join_llava(file, records, samples), "llava")
    if looks_mmocr(records[0][1]):
        return Predictions(file, _checked(file, mmocr_texts(file), samples), "mmocr-2023")

    parsed = id_records(file, records, known={s.id for s in samples})
    return Predictions(file, {r.sample_id: r.text for r in parsed}, "records")


def predictions_in_data(
    path: str | Path, samples: Sequence[Sample], *, positional: bool = False
) -> Predictions:
    """The predictions an annotation file carries itself (no ``--predictions`` given).

    Two layouts do: OCRBench's official style (``predict`` on the annotation records, for a
    ``positional`` task) and the 2023 MultimodalOCR answer files (a file or a folder).

    Raises:
        DataError: the file carries no predictions (naming it), or a bad record.
    """
    file = Path(path).expanduser()
    if not file.is_dir():
        records = list(iter_json_records(file))
        carries = bool(records) and (
            (positional and looks_positional(records)) or looks_mmocr(records[0][1])
        )
        if not carries:
            raise DataError(file, "carries no predictions (no 'predict' field on its records, "
                            "not a 2023 MultimodalOCR answer file): give --predictions FILE")
    return read_predictions(file, samples, positional=positional)


def mmocr_texts(path: Path) -> dict[str, tuple[str, str]]:
    """``{"<dataset>/<position>": (locator, answer)}`` of a 2023 answer file or folder.

    Raises:
        DataError: a file not named after a dataset, not a JSON list, or a record without a
            text ``answer``.
    """
    out: dict[str, tuple[str, str]] = {}
    for file in mmocr_answer_files(path):
        for position, (locator, record) in enumerate(iter_json_records(file)):
            where = f"{file.name} {locator}" if path.is_dir() else locator
            if not isinstance(record, dict):
                raise DataError(file, f"expected a JSON object, got {type(record).__name__}",
                                record=locator)
            if "answer" not in record:
                raise DataError(file, "no prediction", record=locator, field="answer")
            text = prediction_text(record["answer"], file, locator, "answer")
            out[f"{file.stem}/{position}"] = (where, text)
    return out


def _checked(path: Path, texts: Mapping[str, tuple[str, str]],
             samples: Sequence[Sample]) -> dict[str, str]:
    known = {s.id for s in samples}
    for ident, (locator, _) in texts.items():
        if ident not in known:
            raise DataError(path, f"id {ident!r} is not in the annotations (is it the same "
                            "dataset file?)", record=locator)
    return {ident: text for ident, (_, text) in texts.items()}


@dataclass(frozen=True)
class IdRecord:
    """One record of the id + text layout, checked."""

    sample_id: str
    text: str
    locator: str
    id_key: str
    text_key: str


def id_records(
    path: Path, records: Iterable[tuple[str, Any]], known: Collection[str] | None = None
) -> list[IdRecord]:
    """Check and read ``(locator, record)`` pairs of the id + text layout, in file order.

    Args:
        path: the file, for messages.
        records: as :func:`iter_json_records` yields them.
        known: the annotation ids; when given, an id outside them is an error.

    Raises:
        DataError: a record that is not an object, has no id or text key, has a malformed or
            duplicate id (or one not in ``known``), or a prediction that is not text.
    """
    out: list[IdRecord] = []
    first_seen: dict[str, str] = {}
    for locator, record in records:
        if not isinstance(record, dict):
            raise DataError(path, f"expected a JSON object, got {type(record).__name__}",
                            record=locator)
        id_key = first_key(record, ID_KEYS)
        if id_key is None:
            raise DataError(path, f"no id key (expected one of {', '.join(ID_KEYS)})",
                            record=locator)
        text_key = first_key(record, TEXT_KEYS)
        if text_key is None:
            raise DataError(path, f"no prediction key (expected one of {', '.join(TEXT_KEYS)})",
                            record=locator)
        sample_id = normalise_id(record[id_key], path, locator, id_key)
        if sample_id in first_seen:
            raise DataError(
                path, f"duplicate id {sample_id!r} (first at {first_seen[sample_id]})",
                record=locator, field=id_key,
            )
        if known is not None and sample_id not in known:
            raise DataError(path, f"id {sample_id!r} is not in the annotations",
                            record=locator, field=id_key)
        first_seen[sample_id] = locator
        text = prediction_text(record[text_key], path, locator, text_key)
        out.append(IdRecord(sample_id, text, locator, id_key, text_key))
    return out
