"""The prediction files ``replay:FILE`` reads (harmonybench/generic JSON, lmms-eval, VLMEvalKit,
LLaVA, the 2023 MultimodalOCR answers), told apart by content and read into one
:class:`ReplayFile`; formats and matching rules are in :mod:`harmonybench.models.replay`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harmonybench.answer_files import llava_lines, looks_llava, looks_mmocr
from harmonybench.errors import DataError, HarmonyBenchError
from harmonybench.predictions import (
    ID_KEYS,
    first_key,
    id_records,
    iter_json_records,
    looks_positional,
    mmocr_texts,
    normalise_id,
    prediction_text,
)
from harmonybench.safeload import json_loads

Match = Literal["id", "position", "question"]
Format = Literal["records", "positional", "lmms-eval", "vlmevalkit-xlsx", "vlmevalkit-tsv",
                 "llava", "mmocr-2023"]

QUESTION_ID_KEYS: tuple[str, ...] = ("question_id", "questionId")
"""Where an lmms-eval ``doc`` (or its ``submission`` metric) keeps the dataset's question id."""
RESPONSE_FIELDS: tuple[str, ...] = ("filtered_resps", "resps")
_XLSX_MAGIC = b"PK\x03\x04"
_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Entry:
    """One prediction of the file, with everything it can be matched by.

    Args:
        text: the predicted text.
        locator: where it is in the file (``line 3``, ``record 0``, ``row 2``).
        ident: the sample id it names, if any.
        position: the 0-based position it names, if any.
        question: the question text the file gives for it, if any.
        ident_field: the field ``ident`` came from (for messages).
        position_field: the field ``position`` came from (``None``: the record's place).
        join_key: LLaVA's ``(image id, lowercased question)`` key
            (:func:`harmonybench.answer_files.llava_join_key`), if the file has one.
    """

    text: str
    locator: str
    ident: str | None = None
    position: int | None = None
    question: str | None = None
    ident_field: str | None = None
    position_field: str | None = None
    join_key: str | None = None


@dataclass(frozen=True)
class ReplayFile:
    """A prediction file, read and checked; :meth:`index` keys it for matching."""

    path: Path
    format: Format
    entries: tuple[Entry, ...]
    default_match: Match
    reason: str
    """Why ``default_match`` was chosen, in words (for ``run.json``)."""

    def index(self, match: Match) -> dict[str, Entry]:
        """Entries by sample id (``id``) or by position as text (``position``).

        Raises:
            DataError: an entry has nothing to match by, or two entries name the same key.
        """
        keyed: dict[str, Entry] = {}
        what = {"id": "question id", "question": "image id and question"}.get(match, match)
        for entry in self.entries:
            field = entry.ident_field if match == "id" else entry.position_field
            if match == "id":
                key = entry.ident
            elif match == "question":
                key, field = entry.join_key, "prompt"
            else:
                key = None if entry.position is None else str(entry.position)
            if key is None:
                raise DataError(self.path, f"has no {what} to match by (--model-arg match="
                                f"{match})", record=entry.locator, field=field)
            if key in keyed:
                raise DataError(
                    self.path, f"duplicate {what} {key!r} (first at {keyed[key].locator})",
                    record=entry.locator, field=field,
                )
            keyed[key] = entry
        return keyed


# ----------------------------------------------------------------------------- generic JSON


def _question(record: Mapping[str, Any]) -> str | None:
    value = record.get("question")
    return value if isinstance(value, str) else None


def _ids_unique(records: Sequence[tuple[str, Any]]) -> bool:
    seen: set[str] = set()
    for _, record in records:
        key = first_key(record, ID_KEYS) if isinstance(record, dict) else None
        if key is None:
            return False
        value = str(record[key])
        if value in seen:
            return False
        seen.add(value)
    return True


def read_id_records(path: Path, records: Sequence[tuple[str, Any]]) -> ReplayFile:
    """The id + text layout of ``harmonybench score`` (ids checked by its own reader)."""
    parsed = id_records(path, records)
    entries = tuple(
        Entry(
            text=item.text,
            locator=item.locator,
            ident=item.sample_id,
            position=int(item.sample_id) if _DIGITS.match(item.sample_id) else None,
            question=_question(record),
            ident_field=item.id_key,
            position_field=item.id_key,
        )
        for item, (_, record) in zip(parsed, records, strict=True)
    )
    return ReplayFile(path, "records", entries, "id", "records carry ids")


def read_positional(path: Path, records: Sequence[tuple[str, Any]]) -> ReplayFile:
    """The official OCRBench layout: the annotation list with ``predict``, by position."""
    entries = []
    for position, (locator, record) in enumerate(records):
        if not isinstance(record, dict):
            raise DataError(path, f"expected a JSON object, got {type(record).__name__}",
                            record=locator)
        if "predict" not in record:
            continue  # no prediction: the sample fails, as the official script scores none
        entries.append(Entry(
            text=prediction_text(record["predict"], path, locator, "predict"),
            locator=locator,
            position=position,
            question=_question(record),
        ))
    return ReplayFile(path, "positional", tuple(entries), "position",
                      "annotation list with predict: matched by position")


def read_llava(path: Path, records: Sequence[tuple[str, Any]]) -> ReplayFile:
    """LLaVA answer lines, matched by image id and question as ``eval_textvqa.py`` joins."""
    entries = tuple(Entry(text=line.text, locator=line.locator, question=line.question,
                          join_key=line.key) for line in llava_lines(path, records))
    return ReplayFile(path, "llava", entries, "question",
                      "LLaVA answers: question_id is the image id; joined by image id and the "
                      "prompt's question (eval_textvqa.py)")


def read_mmocr(path: Path) -> ReplayFile:
    """A 2023 MultimodalOCR answer file or model folder, by ``<dataset>/<position>`` id."""
    entries = tuple(Entry(text=text, locator=locator, ident=ident, ident_field="answer")
                    for ident, (locator, text) in mmocr_texts(path).items())
    return ReplayFile(path, "mmocr-2023", entries, "id",
                      "2023 MultimodalOCR answers: <dataset>/<position> ids")


# ----------------------------------------------------------------------------- lmms-eval


def is_lmms_eval(record: Any) -> bool:
    """Whether ``record`` is an lmms-eval (or lm-evaluation-harness) ``log_samples`` record."""
    return isinstance(record, dict) and "doc_id" in record and any(
        f in record for f in RESPONSE_FIELDS
    )


def first_response(value: Any, path: Path, locator: str, field: str) -> str:
    """The text of an lmms-eval response field: nested lists unwrapped, the first taken."""
    while isinstance(value, list):
        if not value:
            raise DataError(path, "response list is empty", record=locator, field=field)
        value = value[0]
    if isinstance(value, str):
        return value
    raise DataError(
        path,
        f"response is not text (got {'null' if value is None else type(value).__name__}); "
        "only generation tasks can be replayed",
        record=locator,
        field=field,
    )


def _lmms_question_id(record: Mapping[str, Any], path: Path, locator: str
                      ) -> tuple[str | None, str | None]:
    for holder in ("doc", "submission"):
        value = record.get(holder)
        if value is None:
            continue
        if not isinstance(value, dict):
            if holder == "doc":
                raise DataError(path, f"expected an object, got {type(value).__name__}",
                                record=locator, field="doc")
            continue
        key = first_key(value, QUESTION_ID_KEYS)
        if key is not None:
            field = f"{holder}.{key}"
            return normalise_id(value[key], path, locator, field), field
    return None, None


def read_lmms_eval(
    path: Path, records: Sequence[tuple[str, Any]], response: str = "filtered_resps"
) -> ReplayFile:
    """lmms-eval ``log_samples`` records (see the module docstring for the layout)."""
    entries = []
    for locator, record in records:
        if not isinstance(record, dict):
            raise DataError(path, f"expected a JSON object, got {type(record).__name__}",
                            record=locator)
        doc_id = record.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, int) or doc_id < 0:
            raise DataError(path, f"doc_id must be a non-negative integer, got {doc_id!r}",
                            record=locator, field="doc_id")
        field = response if response in record else next(
            (f for f in RESPONSE_FIELDS if f in record), None
        )
        if field is None:
            raise DataError(path, "no response (expected filtered_resps or resps)",
                            record=locator, field=response)
        ident, ident_field = _lmms_question_id(record, path, locator)
        doc = record.get("doc")
        entries.append(Entry(
            text=first_response(record[field], path, locator, field),
            locator=locator,
            ident=ident,
            position=doc_id,
            question=_question(doc) if isinstance(doc, dict) else None,
            ident_field=ident_field,
            position_field="doc_id",
        ))
    if entries and all(e.ident is not None for e in entries):
        return ReplayFile(path, "lmms-eval", tuple(entries), "id",
                          "every record names its question id")
    return ReplayFile(path, "lmms-eval", tuple(entries), "position",
                      "doc_id is the document's position in the task's split")


# ----------------------------------------------------------------------------- VLMEvalKit


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as text; ``None`` for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
               fmt: Format) -> ReplayFile:
    """VLMEvalKit prediction rows (``index``, ``prediction``, optional ``question``)."""
    for needed in ("index", "prediction"):
        if needed not in columns:
            raise DataError(path, f"no {needed!r} column (columns: {', '.join(columns)})",
                            record="header row", field=needed)
    entries = []
    for i, row in enumerate(rows):
        locator = f"row {i + 2}"  # as a spreadsheet shows it: the header is row 1
        index = _cell_text(row["index"])
        if index is None or not index.strip():
            raise DataError(path, "index is empty", record=locator, field="index")
        index = index.strip()
        entries.append(Entry(
            text=_cell_text(row["prediction"]) or "",
            locator=locator,
            ident=index,
            position=int(index) if _DIGITS.match(index) else None,
            question=_cell_text(row["question"]) if "question" in columns else None,
            ident_field="index",
            position_field="index",
        ))
    positions = sorted(e.position for e in entries if e.position is not None)
    if entries and positions == list(range(len(entries))):
        return ReplayFile(path, fmt, tuple(entries), "position",
                          "index values are 0..n-1: VLMEvalKit row numbers")
    return ReplayFile(path, fmt, tuple(entries), "id",
                      "index values are not 0..n-1: the dataset's question ids")


def _rows(frame: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """A pandas frame's rows as dicts keyed by column name, and the column names."""
    columns = [str(c) for c in frame.columns]
    rows = [dict(zip(columns, values, strict=True))
            for values in frame.itertuples(index=False, name=None)]
    return rows, columns


def _read_xlsx(path: Path) -> ReplayFile:
    import pandas as pd

    try:
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    except ImportError as exc:
        raise HarmonyBenchError(f"reading {path} needs openpyxl: pip install openpyxl") from exc
    except Exception as exc:
        raise DataError(path, f"not a readable .xlsx workbook: {exc}") from exc
    return read_table(path, *_rows(frame), "vlmevalkit-xlsx")


def _read_tsv(path: Path) -> ReplayFile:
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    except Exception as exc:
        raise DataError(path, f"not a readable tab-separated table: {exc}") from exc
    return read_table(path, *_rows(frame), "vlmevalkit-tsv")


# ----------------------------------------------------------------------------- detection


def _json_logs(path: Path, text: str) -> list[tuple[str, Any]] | None:
    """The records of lmms-eval v0.2's ``{"logs": [...]}`` file, or ``None``."""
    try:
        value = json_loads(text, path)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict) and isinstance(value.get("logs"), list):
        return [(f"logs[{i}]", item) for i, item in enumerate(value["logs"])]
    return None


def read_replay_file(path: str | Path, response: str = "filtered_resps") -> ReplayFile:
    """Read any supported prediction file (format told from the content).

    Args:
        path: the prediction file.
        response: for lmms-eval logs, ``filtered_resps`` (default) or ``resps``.

    Raises:
        DataError: missing, empty, unrecognised or malformed file, naming record and field.
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise DataError(file, "file not found")
    if file.is_dir():
        return read_mmocr(file)
    with file.open("rb") as fh:
        head = fh.read(4)
    if head == _XLSX_MAGIC:
        return _read_xlsx(file)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(file, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    stripped = text.lstrip()
    if not stripped:
        raise DataError(file, "file is empty")
    if stripped[0] not in "[{":
        if "\t" in stripped.splitlines()[0]:
            return _read_tsv(file)
        raise DataError(
            file,
            "unrecognised format: expected a JSON list, JSONL, an lmms-eval log_samples file, "
            "or a VLMEvalKit .xlsx/.tsv prediction table",
        )
    logs = _json_logs(file, text) if stripped[0] == "{" else None
    records = logs if logs is not None else list(iter_json_records(file))
    if not records:
        raise DataError(file, "has no records")
    first = records[0][1]
    if logs is not None or is_lmms_eval(first):
        return read_lmms_eval(file, records, response)
    if looks_positional(records) and not _ids_unique(records):
        return read_positional(file, records)
    if looks_llava(first):
        return read_llava(file, records)
    if looks_mmocr(first):
        return read_mmocr(file)
    return read_id_records(file, records)
