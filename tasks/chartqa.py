"""ChartQA (Masry et al., Findings of ACL 2022): questions about charts, relaxed accuracy.

Formats read by :meth:`ChartQA.load`:

- **official** ``test_human.json`` / ``test_augmented.json``: a JSON list of
  ``{"imgname", "query", "label"}`` (the ``{"data": [...]}`` wrapping that lmms-eval's
  ``upload_chartqa.py`` reads is accepted too). The split file is recorded as
  ``metadata["type"]``: ``human_test`` or ``augmented_test``, told from the file name (a
  record's own ``type`` field wins). Images are ``png/<imgname>`` next to the file (or under
  ``images``).
- **official folder**: a folder holding both files (``ChartQA Dataset/test/``) loads the
  human questions first, then the augmented ones, the order lmms-eval's upload script gives
  ``lmms-lab/ChartQA``.
- **hub** ``lmms-lab/ChartQA`` (``type``, ``question``, ``answer``, ``image``) and
  ``ahmed-masry/ChartQA`` (``imgname``, ``query``, ``label``, ``type``, binary ``image``); the
  ``test`` split is evaluated.
- **Monkey / TextHarmony** JSON(L) (Monkey's ``chartqa_test.jsonl``).

ChartQA has no question ids: sample ids are 0-based positions, counted across both files of
a folder (so they agree with the hub table's row numbers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.task import frozen
from harmonybench.tasks.common import Draft, VQATask, reference_generation, vqa_prompts
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, Rec, image_file, image_root, read_document

SPLIT_FILES = ("test_human.json", "test_augmented.json")
"""The official test files, in the order a folder is read."""
_OFFICIAL_KEYS = frozenset({"imgname", "query", "label"})


def split_type(path: Path) -> str | None:
    """``human_test`` or ``augmented_test`` from an official file name, else ``None``."""
    name = path.name.lower()
    if "human" in name:
        return "human_test"
    if "augmented" in name:
        return "augmented_test"
    return None


class ChartQA(VQATask):
    """ChartQA test, scored with relaxed accuracy (default protocol ``relaxed``).

    Prompts:
        - ``default``: lmms-eval ``tasks/chartqa`` (EvolvingLMMs-Lab/lmms-eval 75571cf):
          ``question + "\\nAnswer the question with a single word."`` (not "...word or
          phrase"), greedy, ``max_new_tokens: 16``.
        - ``monkey``: Monkey ``eval/evaluate_vqa.py`` ``chartqa``: max_new_tokens 100.
        - ``textmonkey``: TextMonkey ``eval/evaluate_vqa_doc.py``: max_new_tokens 100.
        - ``textharmony``: the bare question.
    """

    name: ClassVar[str] = "chartqa"
    summary: ClassVar[str] = "ChartQA test: chart questions, human and augmented (relaxed acc.)"
    default_protocol: ClassVar[str] = "relaxed"
    protocols: ClassVar[tuple[str, ...]] = (
        "relaxed", "relaxed-swapped", "contains", "contains-monkey", "exact"
    )
    prompts = frozen(
        vqa_prompts("chartqa", "{question}\nAnswer the question with a single word.")
    )
    generation = frozen({"max_new_tokens": 16, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    hub_splits: ClassVar[tuple[str, ...]] = ("test",)
    official_format: ClassVar[str] = (
        "test_human.json / test_augmented.json (a list of imgname/query/label records)"
    )

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """An official split file."""
        return self._official(doc, images, offset=0)

    def from_folder(self, folder: Path, images: str | Path | None) -> list[Draft]:
        """Both official split files of a folder, human first."""
        files = [folder / name for name in SPLIT_FILES if (folder / name).is_file()]
        if not files:
            raise DataError(
                folder, f"a folder with neither parquet files nor {' / '.join(SPLIT_FILES)}"
            )
        drafts: list[Draft] = []
        for file in files:
            doc = read_document(file)
            part = self._official(doc, images, offset=len(drafts))
            if part is None:
                raise DataError(file, "not an official ChartQA split file (imgname/query/label)")
            drafts.extend(part)
        return drafts

    def _official(
        self, doc: Document, images: str | Path | None, offset: int
    ) -> list[Draft] | None:
        records = doc.data_records()
        if records is None:
            records = doc.record_list()
        if records is None or (records and not _OFFICIAL_KEYS & set(records[0].data)):
            return None
        root = image_root(doc.path, images, "png")
        file_type = split_type(doc.path)
        drafts = []
        for rec in records:
            meta: dict[str, Any] = {"imgname": rec.text("imgname")}
            kind = rec.opt_text("type") or file_type
            if kind is not None:
                meta["type"] = kind
            drafts.append(
                Draft(
                    rec=rec,
                    id=str(offset + rec.index),
                    question=rec.text("query"),
                    answers=rec.opt_answers("label"),
                    images=(image_file(rec, "imgname", root),),
                    metadata=meta,
                    answers_field="label",
                )
            )
        return drafts

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``lmms-lab/ChartQA`` or ``ahmed-masry/ChartQA``."""
        return [self._hub_draft(rec, root) for rec in hub_records(split)]

    @staticmethod
    def _hub_draft(rec: Rec, root: Path) -> Draft:
        native = "query" in rec.data  # ahmed-masry's copy keeps the official column names
        question_key, answer_key = ("query", "label") if native else ("question", "answer")
        meta = rec.meta("type", "imgname")
        return Draft(
            rec=rec,
            id=str(rec.index),
            question=rec.text(question_key),
            answers=rec.opt_answers(answer_key),
            images=(hub_image(rec, "image", root),),
            metadata=meta,
            answers_field=answer_key,
        )
