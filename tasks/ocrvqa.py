"""OCR-VQA (Mishra et al., ICDAR 2019): questions about book covers.

Formats read by :meth:`OCRVQA.load`:

- **official** ``dataset.json``: an object keyed by image id, each entry
  ``{"imageURL", "questions": [...], "answers": [...], "title", "authorName", "genre",
  "split"}`` with parallel question/answer lists and ``split`` 1 (train), 2 (val) or 3 (test).
  Only the chosen split is loaded (``test`` by default; every entry's ``split`` is checked,
  the other fields only on the entries loaded). The image is ``<image id><extension of
  imageURL>`` (``.jpg`` when the URL has none), as the dataset's ``loadDataset.py`` saves it,
  resolved against ``images``, else the annotation folder's ``images/`` when it exists, else
  the annotation folder.
- **hub** ``howard-hou/OCR-VQA``: one row per image with ``image_id``, ``questions``,
  ``answers``, ``ocr_tokens``, ``title``, ``authorName``, ``genre``, ``set_name``; the split
  named like the chosen one (``test`` by default) is read.
- **Monkey / TextHarmony** JSON(L) (TextMonkey's ``ocrvqa_test.jsonl``), ids from its
  ``question_id``.

Sample ids (official and hub): ``"<image id>_<k>"`` where ``k`` is the 0-based index of the
question in that image's list; e.g. the third question about image ``761183272`` is
``"761183272_2"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from harmonybench.errors import DataError
from harmonybench.schema import ImageRef
from harmonybench.task import frozen
from harmonybench.tasks.common import (
    SHORT_ANSWER,
    Draft,
    VQATask,
    reference_generation,
    vqa_prompts,
)
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, Rec, image_file, image_root, json_type

Split = Literal["train", "val", "test"]
SPLIT_CODES: Mapping[Split, int] = MappingProxyType({"train": 1, "val": 2, "test": 3})
"""``dataset.json``'s ``split`` codes."""
_HUB_SPLITS: Mapping[Split, tuple[str, ...]] = MappingProxyType(
    {"train": ("train",), "val": ("validation", "val"), "test": ("test",)}
)
_META = ("title", "authorName", "genre")


class OCRVQA(VQATask):
    """OCR-VQA test, scored with exact match (default protocol ``exact``).

    Args:
        split: which split of ``dataset.json`` (or of the hub table) to load.

    Prompts:
        - ``default``: lmms-eval has no OCR-VQA task; VLMEvalKit's ``OCRVQA_TEST``
          (open-compass/VLMEvalKit e8e78f05f308 ``vlmeval/dataset/image_vqa.py``,
          ``ImageVQADataset.build_prompt``) appends
          ``"\\nAnswer the question using a single word or phrase."``; greedy,
          ``max_new_tokens`` 32 as for the other short-answer tasks.
        - ``monkey`` / ``textmonkey``: TextMonkey ``eval/evaluate_vqa_doc.py``
          ``ocrvqa_test``: max_new_tokens 100 (Monkey's ``evaluate_vqa.py`` has no OCR-VQA
          entry; the same 100 is used).
        - ``textharmony``: the bare question.
    """

    name: ClassVar[str] = "ocrvqa"
    summary: ClassVar[str] = "OCR-VQA test: questions about book covers (exact match)"
    default_protocol: ClassVar[str] = "exact"
    protocols: ClassVar[tuple[str, ...]] = ("exact", "contains", "contains-monkey")
    prompts = frozen(vqa_prompts("ocrvqa", "{question}" + SHORT_ANSWER))
    generation = frozen({"max_new_tokens": 32, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    official_format: ClassVar[str] = (
        'dataset.json ({"<image id>": {"questions", "answers", "split", ...}})'
    )

    def __init__(self, split: Split = "test") -> None:
        if split not in SPLIT_CODES:
            raise ValueError(f"split must be one of {', '.join(SPLIT_CODES)}, not {split!r}")
        self.split: Split = split

    def evaluation_splits(self) -> tuple[str, ...]:
        """The hub split names of :attr:`split`."""
        return _HUB_SPLITS[self.split]

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The official ``dataset.json``."""
        value = doc.value
        if doc.kind != "json" or not isinstance(value, Mapping) or "data" in value:
            return None
        first = next(iter(value.values()), None)
        if not isinstance(first, Mapping) or "questions" not in first:
            return None
        root = image_root(doc.path, images, "images")
        code = SPLIT_CODES[self.split]
        drafts: list[Draft] = []
        entries = 0
        for index, (key, entry) in enumerate(value.items()):
            where = f"entry {key!r}"
            if not isinstance(entry, Mapping):
                raise DataError(
                    doc.path, f"expected an object, got {json_type(entry)}", record=where
                )
            rec = Rec(doc.path, where, entry, index)
            entry_split = rec.require("split")
            if entry_split not in SPLIT_CODES.values() or isinstance(entry_split, bool):
                raise rec.error(f"expected 1, 2 or 3, got {entry_split!r}", "split")
            if entry_split != code:
                continue
            entries += 1
            url = rec.opt_text("imageURL") or ""
            suffix = Path(url.split("?")[0]).suffix or ".jpg"
            image = image_file(rec, "imageURL", root, f"{key}{suffix}")
            meta = {**rec.meta(*_META), "image_id": key, "split": self.split}
            drafts.extend(self._questions(rec, key, image, meta))
        if not entries:
            raise DataError(doc.path, f"no entries of split {code} ({self.split})")
        return drafts

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``howard-hou/OCR-VQA``, one per image."""
        drafts: list[Draft] = []
        for rec in hub_records(split):
            key = rec.ident("image_id")
            meta = {**rec.meta(*_META, "set_name"), "image_id": key}
            tokens = rec.strings("ocr_tokens")
            if tokens is not None:
                meta["ocr_tokens"] = tokens
            drafts.extend(self._questions(rec, key, hub_image(rec, "image", root), meta))
        return drafts

    @staticmethod
    def _questions(
        rec: Rec, key: str, image: ImageRef, meta: Mapping[str, Any]
    ) -> list[Draft]:
        """One draft per question of an image's parallel ``questions``/``answers`` lists."""
        questions = rec.require("questions")
        answers = rec.require("answers")
        for name, items in (("questions", questions), ("answers", answers)):
            if not isinstance(items, (list, tuple)):
                raise rec.error(f"expected a list, got {json_type(items)}", name)
            for k, item in enumerate(items):
                if not isinstance(item, str):
                    raise rec.error(f"item {k} is {json_type(item)}, expected a string", name)
        if len(answers) != len(questions):
            raise rec.error(
                f"{len(answers)} answers for {len(questions)} questions", "answers"
            )
        return [
            Draft(
                rec=rec,
                id=f"{key}_{k}",
                question=question,
                answers=(answer,),
                images=(image,),
                metadata={**meta, "question_index": k},
            )
            for k, (question, answer) in enumerate(zip(questions, answers, strict=True))
        ]
