"""The comprehension tasks' shared base: building samples, the generic evaluation files, prompts.

Every task module turns its benchmark's files into :class:`~harmonybench.schema.Sample`
objects in three steps:

1. **Read** the source with :mod:`harmonybench.tasks.records` (JSON / JSON Lines records that
   know where they came from) or :mod:`harmonybench.tasks.hub` (hub parquet folders).
2. **Check** each record with :class:`~harmonybench.tasks.records.Rec`, whose accessors raise
   one :class:`~harmonybench.errors.DataError` naming the file, the record and the field.
3. **Build** samples from :class:`Draft` objects with :func:`build_samples`, which rejects
   duplicate question ids and files where only some records carry answers.

:class:`VQATask` tells the format from the source and dispatches; :func:`vqa_prompts` and
:func:`reference_generation` give every VQA task its four prompt families.

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

import re
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef, Sample, as_path, short_hash
from harmonybench.task import PromptTemplate, Task
from harmonybench.tasks.hub import HubSplit, find_hub_split, is_hub_source, resolve_source
from harmonybench.tasks.records import (
    Document,
    Rec,
    image_file,
    image_root,
    json_type,
    read_document,
)

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


# ----------------------------------------------------------------------------- JSON files


# ----------------------------------------------------------------------------- images


# ----------------------------------------------------------------------------- hub parquet


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
