"""Shared reading for the comprehension tasks: annotation files, hub parquet, images, errors.

Every task module turns its benchmark's files into :class:`~harmonybench.schema.Sample`
objects in three steps, all provided here:

1. **Read** the source: :func:`read_document` parses a JSON or JSON Lines file (the format is
   told from the content, not the suffix) and keeps where each record came from
   (``"record 12"``, 0-based, for JSON; ``"line 13"``, 1-based, for JSON Lines);
   :func:`find_hub_split` and :func:`hub_records` read a folder of the community's hub parquet
   files (``<split>-00000-of-00004.parquet``, optionally under a config folder) through
   ``datasets`` in streaming mode, so nothing is copied into a cache (``"row 7"``, 0-based
   within its parquet file).
2. **Check** each record with :class:`Rec`, whose accessors raise one
   :class:`~harmonybench.errors.DataError` naming the file, the record and the field.
3. **Build** samples from :class:`Draft` objects with :func:`build_samples`, which rejects
   duplicate question ids and files where only some records carry answers.

Answers: a file either gives answers for every record or for none (the test splits of
TextVQA, DocVQA, InfoVQA and ST-VQA publish no ground truth). Records of an answer-less
file load with ``answers == ()`` so that inference can run for a submission; the scoring
stage should not score such samples. A file where some records have answers and others do
not is an error.

The Monkey (``Yuliang-Liu/Monkey`` README, ``eval/evaluate_vqa.py`` at 498e1d92baff) and
TextHarmony (``bytedance/TextHarmony`` ``evaluate.py`` at f98ac34b206f) evaluation files are
read by :func:`generic_drafts` for every task: ``{"image"|"image_path", "question",
"answer"|"answers", "question_id"?}``; ``image`` wins over ``image_path`` and ``answer`` over
``answers`` as in TextHarmony's ``evaluate.py``; other JSON-scalar fields are kept in the
metadata.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef, Sample, as_path, short_hash
from harmonybench.task import PromptTemplate, Task

MONKEY_TEMPLATE = "{question} Answer:"
"""Monkey ``eval/evaluate_vqa.py`` (498e1d92baff) prompt after its image tag: the script's
``'<img>{}</img>{} Answer:'`` has no space after ``</img>``."""
TEXTMONKEY_TEMPLATE = " {question} Answer:"
"""TextMonkey ``eval/evaluate_vqa_doc.py`` (498e1d92baff) prompt after its image tag:
``'<img>{}</img> {} Answer:'`` has a space after ``</img>``, kept as the leading space."""
TEXTHARMONY_TEMPLATE = "{question}"
"""TextHarmony's adapter wraps the bare question in its own prompt (``evaluate.py``)."""

GREEDY: Mapping[str, Any] = MappingProxyType(
    {"do_sample": False, "num_beams": 1, "min_new_tokens": 1}
)
"""Monkey/TextMonkey decoding: ``do_sample=False, num_beams=1, min_new_tokens=1``."""
TEXTHARMONY_GENERATION: Mapping[str, Any] = MappingProxyType(
    {
        "max_new_tokens": 30,
        "min_new_tokens": 1,
        "num_beams": 5,
        "do_sample": True,
        "top_p": 0.9,
        "temperature": 1.0,
        "repetition_penalty": 1.3,
    }
)
"""TextHarmony ``configs/release/896-moe-eval.yaml`` ``inference.generation_kwargs``:
``max_length: 30, min_length: 1, num_beams: 5, use_nucleus_sampling: True`` (top_p 0.9,
temperature 1) and ``repetition_penalty: 1.3``."""

SHORT_ANSWER = "\nAnswer the question using a single word or phrase."
"""lmms-eval's ``post_prompt`` for TextVQA, DocVQA, InfoVQA and ST-VQA (and VLMEvalKit's
``ImageVQADataset.build_prompt`` suffix)."""

_FILE_SUFFIXES = frozenset({".json", ".jsonl", ".parquet"})
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


# ----------------------------------------------------------------------------- records


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


# ----------------------------------------------------------------------------- JSON files


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
    if len(numbered) > 1 and _is_object(numbered[0][1]):
        return _read_jsonl(path, numbered)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            path, f"not valid JSON: {exc.msg} (column {exc.colno})", record=f"line {exc.lineno}"
        ) from exc
    return Document(path, "json", value=value)


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(path: Path, numbered: Sequence[tuple[int, str]]) -> Document:
    records = []
    for index, (number, line) in enumerate(numbered):
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                path, f"not valid JSON: {exc.msg} (column {exc.colno})", record=where
            ) from exc
        if not isinstance(value, dict):
            raise DataError(path, f"expected a JSON object, got {json_type(value)}", record=where)
        records.append(Rec(path, where, value, index))
    return Document(path, "jsonl", lines=tuple(records))


# ----------------------------------------------------------------------------- images


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


# ----------------------------------------------------------------------------- hub parquet


@dataclass(frozen=True)
class HubSplit:
    """The parquet files of one split of a hub dataset folder.

    Args:
        root: the folder (or file) that was given.
        split: the split's name (``validation``, ``test``...).
        files: its parquet files, in name order.
    """

    root: Path
    split: str
    files: tuple[Path, ...]


def resolve_source(path: str | Path) -> Path:
    """A local path, or the cached snapshot folder of a hub dataset id (``owner/name``).

    Hub ids are resolved with ``huggingface_hub.snapshot_download(local_files_only=True)``:
    nothing is downloaded; the dataset must already be in the Hugging Face cache.

    Raises:
        DataError: neither a local file or folder nor a cached hub dataset.
    """
    local = as_path(path)
    if local.exists():
        return local
    text = str(path)
    if not _HUB_ID.match(text) or local.suffix in _FILE_SUFFIXES:
        raise DataError(local, "no such file or folder")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(text, repo_type="dataset", local_files_only=True))
    except Exception as exc:  # LocalEntryNotFoundError, offline mode, bad id
        raise DataError(
            local,
            f"no such file or folder, and hub dataset {text!r} is not in the local Hugging "
            f"Face cache ({type(exc).__name__})",
        ) from exc


def is_hub_source(path: Path) -> bool:
    """Whether ``path`` is a parquet file or a folder holding parquet files."""
    if path.is_file():
        return path.suffix == ".parquet"
    return path.is_dir() and any(path.rglob("*.parquet"))


def split_of(file: Path) -> str:
    """The split a hub parquet file belongs to.

    ``validation-00000-of-00002.parquet`` -> ``validation``; the parquet-converter layout
    ``default/test/0000.parquet`` -> ``test`` (the folder name when the file name has none).
    """
    head = file.stem.split("-")[0]
    return head if head[:1].isalpha() else file.parent.name


def find_hub_split(
    source: Path,
    splits: Sequence[str],
    config: str | None = None,
    other_configs: Sequence[str] = (),
) -> HubSplit:
    """Pick the evaluation split of a hub dataset folder.

    Args:
        source: a parquet file (used as it is) or a folder searched recursively.
        splits: the split names to use, in order of preference.
        config: the config folder to prefer (``DocVQA``), when the dataset has several.
        other_configs: config folders to ignore (``InfographicVQA`` for DocVQA).

    Raises:
        DataError: no parquet file of any of ``splits``.
    """
    if source.is_file():
        return HubSplit(source, split_of(source), (source,))
    files = sorted(source.rglob("*.parquet"))

    def under(file: Path, name: str) -> bool:
        parts = [p.lower() for p in file.relative_to(source).parts[:-1]]
        return name.lower() in parts

    if config is not None:
        ours = [f for f in files if under(f, config)]
        files = ours or [f for f in files if not any(under(f, c) for c in other_configs)]
    by_split: dict[str, list[Path]] = {}
    for file in files:
        by_split.setdefault(split_of(file), []).append(file)
    for split in splits:
        if split in by_split:
            return HubSplit(source, split, tuple(by_split[split]))
    found = ", ".join(sorted(by_split)) or "none"
    where = f" for config {config!r}" if config else ""
    raise DataError(
        source,
        f"no parquet files of split {' or '.join(splits)}{where} (splits found: {found})",
    )


def hub_records(split: HubSplit, image_keys: Sequence[str] = ("image",)) -> Iterator[Rec]:
    """The rows of ``split``, read through ``datasets`` in streaming mode.

    Image columns named in ``image_keys`` are read undecoded (``{"bytes", "path"}``) so that
    the encoded bytes are kept as they are.

    Raises:
        DataError: a file that is not readable parquet.
    """
    import datasets

    index = 0
    for file in split.files:
        try:
            data = datasets.load_dataset(
                "parquet", data_files=[str(file)], split="train", streaming=True
            )
            features = data.features or {}
            for key in image_keys:
                if isinstance(features.get(key), datasets.Image):
                    data = data.cast_column(key, datasets.Image(decode=False))
            rows = iter(data)
            row = 0
            while True:
                try:
                    item = next(rows)
                except StopIteration:
                    break
                yield Rec(file, f"row {row}", item, index)
                row += 1
                index += 1
        except DataError:
            raise
        except Exception as exc:  # pyarrow.ArrowInvalid, schema casts, corrupt files
            raise DataError(file, f"not a readable parquet file: {exc}") from exc


def hub_image(rec: Rec, key: str, root: Path) -> ImageRef:
    """The image in a hub row: embedded bytes, or a path for path-backed rows.

    Accepts the ``datasets.Image`` struct (``{"bytes", "path"}``) and plain binary columns.
    """
    value = rec.require(key)
    if isinstance(value, (bytes, bytearray)):
        return ImageRef(data=bytes(value), name=f"{rec.where} of {rec.path.name}")
    if isinstance(value, Mapping):
        data, name = value.get("bytes"), value.get("path")
        if isinstance(data, (bytes, bytearray)) and data:
            return ImageRef(data=bytes(data), name=name or f"{rec.where} of {rec.path.name}")
        if isinstance(name, str) and name:
            rel = Path(name)
            return ImageRef(path=str(rel if rel.is_absolute() else root / rel), name=name)
    raise rec.error("no image bytes or path", key)


# ----------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Draft:
    """A sample before the whole-file checks.

    Args:
        rec: the record it came from (for messages).
        id: the sample id.
        question: the question.
        answers: the ground truth, or ``None`` when the record has none.
        images: the input images.
        metadata: everything else worth keeping.
        id_field: the field the id was read from (``None`` for positions).
        answers_field: the field answers are read from (for messages).
    """

    rec: Rec
    id: str
    question: str
    answers: tuple[str, ...] | None
    images: tuple[ImageRef, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    id_field: str | None = None
    answers_field: str = "answers"


def build_samples(task: str, drafts: Sequence[Draft], source: Path) -> list[Sample]:
    """Check ids and answers across the file and build the samples.

    Raises:
        DataError: no records; a duplicate id; answers on some records but not others.
    """
    if not drafts:
        raise DataError(source, "no records")
    seen: dict[str, str] = {}
    for draft in drafts:
        if draft.id in seen:
            raise draft.rec.error(
                f"duplicate question id {draft.id!r} (first at {seen[draft.id]})", draft.id_field
            )
        seen[draft.id] = draft.rec.where
    with_answers = [d.answers is not None for d in drafts]
    if any(with_answers) and not all(with_answers):
        missing = drafts[with_answers.index(False)]
        have = drafts[with_answers.index(True)]
        raise missing.rec.error(
            f"no answers, but other records have them (e.g. {have.rec.where})",
            missing.answers_field,
        )
    return [
        Sample(
            id=d.id,
            task=task,
            question=d.question,
            answers=d.answers or (),
            images=d.images,
            metadata=dict(d.metadata),
        )
        for d in drafts
    ]


GENERIC_KEYS = frozenset({"image", "image_path", "question", "answer", "answers", "question_id"})


def is_generic(rec: Rec) -> bool:
    """Whether ``rec`` looks like a Monkey/TextHarmony record (question and an image field)."""
    return "question" in rec.data and ("image" in rec.data or "image_path" in rec.data)


def generic_drafts(records: Sequence[Rec], root: Path) -> list[Draft]:
    """Drafts from Monkey/TextHarmony evaluation records.

    Ids: ``question_id`` where records have one (Monkey's files always do), else the 0-based
    position. ``image`` is used before ``image_path`` and ``answer`` before ``answers``, as
    TextHarmony's ``evaluate.py`` does. Other scalar fields go into the metadata.
    """
    drafts = []
    for rec in records:
        image_key = rec.pick("image", "image_path") or "image"
        answers_key = rec.pick("answer", "answers") or "answer"
        if rec.has("question_id"):
            ident, id_field = rec.ident("question_id"), "question_id"
        else:
            ident, id_field = str(rec.index), None
        extra = rec.meta(*(k for k in rec.data if k not in GENERIC_KEYS))
        drafts.append(
            Draft(
                rec=rec,
                id=ident,
                question=rec.text("question"),
                answers=rec.opt_answers(answers_key),
                images=(image_file(rec, image_key, root),),
                metadata=extra,
                id_field=id_field,
                answers_field=answers_key,
            )
        )
    return drafts


def unknown_format(
    task: str, source: Path, expected: str, doc: Document | None = None
) -> DataError:
    """The error for a file none of ``task``'s formats recognise."""
    seen = ""
    if doc is not None:
        value = doc.value
        if doc.kind == "jsonl" and doc.lines:
            seen = f"; line 1 has fields {sorted(doc.lines[0].data)}"
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            seen = f"; record 0 has fields {sorted(value[0])}"
        elif isinstance(value, Mapping):
            seen = f"; top-level fields {sorted(value)[:8]}"
        else:
            seen = f"; the document is {json_type(value)}"
    return DataError(
        source,
        f"unknown annotation format for {task}: expected {expected}, a Monkey/TextHarmony "
        f"JSON(L) file with 'question' and 'image' fields, or a folder of hub parquet files{seen}",
    )


# ----------------------------------------------------------------------------- task base


class VQATask(Task):
    """Base of the comprehension tasks: tells the source's format and reads it.

    :meth:`load` tells the format from the source: a parquet file, a folder of them or a
    cached hub dataset id goes to :meth:`from_hub`; a JSON/JSON Lines file goes to
    :meth:`from_document` (the task's official layout) and otherwise to the Monkey/TextHarmony
    reader. Subclasses set the hub splits and write those two methods.

    Prompt templates hold the text only; image placement is the adapter's. The ``monkey``
    and ``textmonkey`` templates are the text that follows the image tag in the reference
    scripts' prompt (``'<img>{}</img>{} Answer:'``): a Monkey-style adapter builds
    ``f"<img>{image_path}</img>{request.prompt}"``, which reproduces the script's string
    exactly (TextMonkey's space after ``</img>`` is the template's leading space).
    """

    hub_splits: ClassVar[tuple[str, ...]] = ("validation", "val", "test")
    """Hub splits to evaluate, in order of preference."""
    hub_config: ClassVar[str | None] = None
    """The hub config folder to read (``DocVQA``), for datasets with several."""
    hub_other_configs: ClassVar[tuple[str, ...]] = ()
    """Config folders of sibling tasks to ignore."""
    official_format: ClassVar[str] = "the official annotation file"
    """How messages describe the official layout."""

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read an official file, a Monkey/TextHarmony file or a hub parquet folder.

        Args:
            path: the annotation file, a folder of hub parquet files (or one parquet file),
                or a hub dataset id already in the local Hugging Face cache.
            images: the folder relative image paths resolve against (see each task).

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """
        source = resolve_source(path)
        if is_hub_source(source):
            split = find_hub_split(
                source, self.evaluation_splits(), self.hub_config, self.hub_other_configs
            )
            root = as_path(images) if images is not None else (
                source if source.is_dir() else source.parent
            )
            drafts = self.from_hub(split, root)
        elif source.is_dir():
            drafts = self.from_folder(source, images)
        else:
            doc = read_document(source)
            official = self.from_document(doc, images)
            if official is not None:
                drafts = official
            else:
                records = doc.record_list()
                if records == []:
                    raise DataError(source, "no records")
                if records is None or not is_generic(records[0]):
                    raise unknown_format(self.name, source, self.official_format, doc)
                drafts = generic_drafts(records, image_root(source, images))
        return build_samples(self.name, drafts, source)

    @abstractmethod
    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """Drafts from the task's official file, or ``None`` when ``doc`` is not one."""

    @abstractmethod
    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Drafts from the rows of a hub parquet split (``root`` for path-backed images)."""

    def evaluation_splits(self) -> tuple[str, ...]:
        """The hub splits to read, in order of preference (:attr:`hub_splits`)."""
        return self.hub_splits

    def from_folder(self, folder: Path, images: str | Path | None) -> list[Draft]:
        """Drafts from a folder without parquet files (none by default)."""
        raise DataError(folder, "a folder without parquet files; give the annotation file")


@dataclass(frozen=True)
class QuestionTemplate(PromptTemplate):
    """A template that transforms the question before filling it in.

    For references whose prompt function rewrites the question: lmms-eval's TextVQA
    ``doc['question'].capitalize()`` (which lowercases all but the first character) and its
    OCRBench ``doc['question'].strip()``. The transform is part of :attr:`hash` (the text and
    the transform's name), so that changing either shows in ``compare``.

    Args:
        transform: ``"capitalize"`` (``str.capitalize``) or ``"strip"`` (``str.strip``).
    """

    transform: Literal["capitalize", "strip"] = "strip"

    @property
    def hash(self) -> str:
        """sha256 (12 hex digits) of the template text and the transform."""
        return short_hash({"template": self.template, "question": self.transform})

    def render(self, **values: Any) -> str:
        """Fill the template with the transformed ``question``."""
        question = str(values.get("question", ""))
        values["question"] = (
            question.capitalize() if self.transform == "capitalize" else question.strip()
        )
        return super().render(**values)


def vqa_prompts(task: str, default: str | PromptTemplate) -> dict[str, PromptTemplate]:
    """The four prompt families of a VQA task, ids ``"<task>/<family>@1"``.

    Args:
        task: the task name.
        default: the ``default`` family's template text (or template).
    """
    if isinstance(default, str):
        default = PromptTemplate(f"{task}/default@1", default)
    return {
        "default": default,
        "monkey": PromptTemplate(f"{task}/monkey@1", MONKEY_TEMPLATE),
        "textmonkey": PromptTemplate(f"{task}/textmonkey@1", TEXTMONKEY_TEMPLATE),
        "textharmony": PromptTemplate(f"{task}/textharmony@1", TEXTHARMONY_TEMPLATE),
    }


def reference_generation(
    monkey_tokens: int, textmonkey_tokens: int = 100
) -> Mapping[str, Mapping[str, Any]]:
    """Read-only generation settings of the Monkey, TextMonkey and TextHarmony families.

    Args:
        monkey_tokens: ``max_new_tokens`` of the task in Monkey's ``ds_collections``.
        textmonkey_tokens: the same in TextMonkey's (100 for every set).
    """
    return MappingProxyType(
        {
            "monkey": MappingProxyType({**GREEDY, "max_new_tokens": monkey_tokens}),
            "textmonkey": MappingProxyType({**GREEDY, "max_new_tokens": textmonkey_tokens}),
            "textharmony": TEXTHARMONY_GENERATION,
        }
    )
