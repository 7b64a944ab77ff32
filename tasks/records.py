"""Reading annotation files: JSON or JSON Lines records that know where they came from.

:func:`read_document` parses a JSON or JSON Lines file (the format is told from the content,
not the suffix) and keeps where each record came from (``"record 12"``, 0-based, for JSON;
``"line 13"``, 1-based, for JSON Lines); :class:`Rec` accessors raise one
:class:`~harmonybench.errors.DataError` naming the file, the record and the field; image paths
resolve against an image root.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harmonybench.errors import DataError
from harmonybench.safeload import json_loads
from harmonybench.schema import ImageRef, as_path


def json_type(value: Any) -> str:
    """The JSON name of ``value``'s type, for messages (``"a number"``, ``"null"``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Rec:
    """One record of an annotation file, with where it came from.

    Args:
        path: the file that holds the record.
        where: how messages name it: ``"record 3"``, ``"line 4"``, ``"row 7"``.
        data: the record's fields.
        index: its 0-based position in its file (counted across the parquet files of a hub
            split), the sample id of formats without question ids.
    """

    path: Path
    where: str
    data: Mapping[str, Any]
    index: int

    def error(self, problem: str, field: str | None = None) -> DataError:
        """A :class:`DataError` naming this record (and ``field``)."""
        return DataError(self.path, problem, record=self.where, field=field)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present and not null."""
        return self.data.get(key) is not None

    def pick(self, *keys: str) -> str | None:
        """The first of ``keys`` that is present and not null."""
        return next((k for k in keys if self.has(k)), None)

    def require(self, key: str) -> Any:
        """The value of ``key``; a missing or null one raises."""
        if key not in self.data:
            raise self.error("missing field", key)
        value = self.data[key]
        if value is None:
            raise self.error("field is null", key)
        return value

    def text(self, key: str) -> str:
        """The string value of ``key``."""
        value = self.require(key)
        if not isinstance(value, str):
            raise self.error(f"expected a string, got {json_type(value)} ({_short(value)})", key)
        return value

    def opt_text(self, key: str) -> str | None:
        """The string value of ``key``, or ``None`` when it is absent or null."""
        return self.text(key) if self.has(key) else None

    def ident(self, key: str) -> str:
        """A question id: an integer or a non-empty string, returned as a string."""
        value = self.require(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self.error(
            f"expected an integer or a non-empty string id, got {json_type(value)} "
            f"({_short(value)})",
            key,
        )

    def answers(self, key: str) -> tuple[str, ...]:
        """Ground-truth answers: one string (a 1-tuple) or a non-empty list of strings."""
        value = self.require(key)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)):
            if not value:
                raise self.error("empty list of answers", key)
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise self.error(
                        f"answer {i} is {json_type(item)} ({_short(item)}), expected a string",
                        key,
                    )
            return tuple(value)
        raise self.error(
            f"expected a string or a list of strings, got {json_type(value)} ({_short(value)})",
            key,
        )

    def opt_answers(self, key: str) -> tuple[str, ...] | None:
        """:meth:`answers`, or ``None`` when the field is absent, null or an empty list.

        Hub tables store the missing answers of test splits as null or ``[]``.
        """
        value = self.data.get(key)
        if value is None or (isinstance(value, (list, tuple)) and not value):
            return None
        return self.answers(key)

    def strings(self, key: str) -> tuple[str, ...] | None:
        """An optional list of strings (question types, OCR tokens), ``None`` when absent."""
        if not self.has(key):
            return None
        value = self.data[key]
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise self.error(f"expected a list of strings, got {json_type(value)}", key)

    def meta(self, *keys: str) -> dict[str, Any]:
        """The JSON-scalar (or list-of-scalar) values of ``keys`` that are present."""
        out: dict[str, Any] = {}
        for key in keys:
            value = self.data.get(key)
            if value is not None and (plain := plain_value(value)) is not None:
                out[key] = plain
        return out


def plain_value(value: Any) -> Any:
    """``value`` if it is a JSON scalar, a tuple if it is a list of scalars, else ``None``."""
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, int, float, bool)) for v in value
    ):
        return tuple(value)
    return None


@dataclass(frozen=True)
class Document:
    """A parsed annotation file.

    Args:
        path: the file.
        kind: ``"json"`` (one document) or ``"jsonl"`` (one object per line).
        value: the parsed document (``None`` for JSON Lines).
        lines: the JSON Lines records (empty for JSON).
    """

    path: Path
    kind: Literal["json", "jsonl"]
    value: Any = None
    lines: tuple[Rec, ...] = ()

    def records(self, items: Any) -> list[Rec]:
        """Wrap the JSON list ``items`` (the document or its ``data``) as records."""
        if not isinstance(items, list):
            raise DataError(self.path, f"expected a list of records, got {json_type(items)}")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise DataError(
                    self.path, f"expected an object, got {json_type(item)}", record=f"record {i}"
                )
            out.append(Rec(self.path, f"record {i}", item, i))
        return out

    def record_list(self) -> list[Rec] | None:
        """The records of a JSON Lines file, of a JSON list, or of a lone JSON record.

        ``None`` when the document is another shape (``{"data": [...]}``, a dict of entries).
        """
        if self.kind == "jsonl":
            return list(self.lines)
        if isinstance(self.value, list):
            return self.records(self.value)
        if isinstance(self.value, Mapping) and "question" in self.value:
            return [Rec(self.path, "line 1", self.value, 0)]  # a one-line JSON Lines file
        return None

    def data_records(self) -> list[Rec] | None:
        """The records of an RRC-style ``{"data": [...]}`` document, else ``None``."""
        if self.kind == "json" and isinstance(self.value, Mapping) and "data" in self.value:
            return self.records(self.value["data"])
        return None


def read_document(path: Path) -> Document:
    """Parse a JSON or JSON Lines file, telling which from the content.

    It is JSON Lines when it has more than one non-blank line and the first one is a complete
    JSON object on its own; otherwise the whole file must be one JSON document.

    Raises:
        DataError: a missing, empty, non-UTF-8 or unparsable file (naming the line).
    """
    if not path.is_file():
        raise DataError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise DataError(path, "empty file")
    # split on "\n" only: str.splitlines would also break at U+2028 inside JSON strings
    numbered = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if len(numbered) > 1 and _is_object(path, *numbered[0]):
        return _read_jsonl(path, numbered)
    try:
        value = json_loads(text, path)
    except json.JSONDecodeError as exc:
        raise DataError(
            path, f"not valid JSON: {exc.msg} (column {exc.colno})", record=f"line {exc.lineno}"
        ) from exc
    return Document(path, "json", value=value)


def _is_object(path: Path, number: int, line: str) -> bool:
    try:
        return isinstance(json_loads(line, path, record=f"line {number}"), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(path: Path, numbered: Sequence[tuple[int, str]]) -> Document:
    records = []
    for index, (number, line) in enumerate(numbered):
        where = f"line {number}"
        try:
            value = json_loads(line, path, record=where)
        except json.JSONDecodeError as exc:
            raise DataError(
                path, f"not valid JSON: {exc.msg} (column {exc.colno})", record=where
            ) from exc
        if not isinstance(value, dict):
            raise DataError(path, f"expected a JSON object, got {json_type(value)}", record=where)
        records.append(Rec(path, where, value, index))
    return Document(path, "jsonl", lines=tuple(records))


def image_root(source: Path, images: str | Path | None, conventional: str | None = None) -> Path:
    """The folder relative image paths resolve against.

    ``images`` when given; otherwise the annotation file's folder (the folder itself when
    ``source`` is one), or its ``conventional`` sub-folder (``train_images``, ``png``...)
    when that exists.
    """
    if images is not None:
        return as_path(images)
    base = source if source.is_dir() else source.parent
    if conventional and (base / conventional).is_dir():
        return base / conventional
    return base


def image_file(rec: Rec, key: str, root: Path, value: str | None = None) -> ImageRef:
    """An :class:`ImageRef` for the relative (or absolute) path in ``rec[key]``.

    Args:
        rec: the record (for messages).
        key: the field holding the path.
        root: the folder relative paths resolve against.
        value: the path, when it is built from the record rather than read from ``key``.
    """
    text = rec.text(key) if value is None else value
    if not text.strip():
        raise rec.error("empty image path", key)
    rel = Path(text).expanduser()
    return ImageRef(path=str(rel if rel.is_absolute() else root / rel), name=text)
