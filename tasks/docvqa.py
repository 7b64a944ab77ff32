"""DocVQA (Mathew et al., WACV 2021) and InfographicVQA (Mathew et al., WACV 2022).

Formats read by :meth:`DocVQA.load` and :meth:`InfoVQA.load`:

- **official** RRC files (``val_v1.0.json``, ``infographicsVQA_val_v1.0_withQT.json``):
  ``{"dataset_name", "dataset_split", "data": [{"questionId", "question", "answers", ...}]}``.
  DocVQA records name their image in ``image`` (``documents/<doc>.png``, relative to the
  annotation folder, e.g. ``val/``); InfographicVQA records in ``image_local_name``
  (``<id>.jpeg``), resolved against ``images``, else the annotation folder's
  ``infographicsvqa_images/`` when it exists, else the annotation folder. Test files have no
  ``answers`` and load with empty answers.
- **hub** ``lmms-lab/DocVQA`` (lmms-eval's ``dataset_path``) with its two configs as folders
  ``DocVQA/`` and ``InfographicVQA/`` of ``{validation,test}-*.parquet``. The ``validation``
  split is evaluated (lmms-eval's ``docvqa_val``/``infovqa_val``; ``test`` has no answers and
  is used only when no validation files are present).
- **Monkey / TextHarmony** JSON(L) (``docvqa/test_ans.jsonl``, ``infovqa_test.jsonl``...).

Sample ids are the ``questionId``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harmonybench.task import frozen
from harmonybench.tasks.common import (
    SHORT_ANSWER,
    Draft,
    VQATask,
    reference_generation,
    vqa_prompts,
)
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, image_file, image_root

_DOC_META = ("question_types", "docId", "ucsf_document_id", "ucsf_document_page_no", "data_split")
_INFO_META = ("answer_type", "evidence", "operation/reasoning", "ocr_output_file", "data_split")
_PROTOCOLS = ("anls", "anls-monkey", "contains", "contains-monkey", "exact")


class DocVQA(VQATask):
    """DocVQA validation, scored with ANLS (default protocol ``anls``).

    Prompts:
        - ``default``: lmms-eval ``tasks/docvqa`` (EvolvingLMMs-Lab/lmms-eval 75571cf):
          ``question + "\\nAnswer the question using a single word or phrase."``, greedy,
          ``max_new_tokens: 32``.
        - ``monkey``: Monkey ``eval/evaluate_vqa.py`` ``docvqa_test``: max_new_tokens 100.
        - ``textmonkey``: TextMonkey ``eval/evaluate_vqa_doc.py``: max_new_tokens 100.
        - ``textharmony``: the bare question.
    """

    name: ClassVar[str] = "docvqa"
    summary: ClassVar[str] = "DocVQA val: questions on scanned documents (ANLS)"
    default_protocol: ClassVar[str] = "anls"
    protocols: ClassVar[tuple[str, ...]] = _PROTOCOLS
    prompts = frozen(vqa_prompts("docvqa", "{question}" + SHORT_ANSWER))
    generation = frozen({"max_new_tokens": 32, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    hub_splits: ClassVar[tuple[str, ...]] = ("validation", "val", "test")
    hub_config: ClassVar[str | None] = "DocVQA"
    hub_other_configs: ClassVar[tuple[str, ...]] = ("InfographicVQA",)
    official_format: ClassVar[str] = 'the RRC JSON ({"data": [{"questionId", "image", ...}]})'
    image_field: ClassVar[str] = "image"
    """The official file's image field."""
    image_folder: ClassVar[str | None] = None
    """The conventional image folder next to the official file."""
    metadata_fields: ClassVar[tuple[str, ...]] = _DOC_META

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The official RRC ``{"data": [...]}`` file."""
        records = doc.data_records()
        if records is None:
            return None
        root = image_root(doc.path, images, self.image_folder)
        return [
            Draft(
                rec=rec,
                id=rec.ident("questionId"),
                question=rec.text("question"),
                answers=rec.opt_answers("answers"),
                images=(image_file(rec, self.image_field, root),),
                metadata=rec.meta(*self.metadata_fields),
                id_field="questionId",
            )
            for rec in records
        ]

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``lmms-lab/DocVQA`` (this task's config folder)."""
        return [
            Draft(
                rec=rec,
                id=rec.ident("questionId"),
                question=rec.text("question"),
                answers=rec.opt_answers("answers"),
                images=(hub_image(rec, "image", root),),
                metadata=rec.meta(*self.metadata_fields),
                id_field="questionId",
            )
            for rec in hub_records(split)
        ]


class InfoVQA(DocVQA):
    """InfographicVQA validation, scored with ANLS (default protocol ``anls``).

    Prompts as :class:`DocVQA`: lmms-eval ``tasks/infovqa`` uses the same suffix and
    ``max_new_tokens: 32``; Monkey's ``infovqa_test`` and TextMonkey's use 100.
    """

    name: ClassVar[str] = "infovqa"
    summary: ClassVar[str] = "InfographicVQA val: questions on infographics (ANLS)"
    prompts = frozen(vqa_prompts("infovqa", "{question}" + SHORT_ANSWER))
    hub_config: ClassVar[str | None] = "InfographicVQA"
    hub_other_configs: ClassVar[tuple[str, ...]] = ("DocVQA",)
    official_format: ClassVar[str] = (
        'the RRC JSON ({"data": [{"questionId", "image_local_name", ...}]})'
    )
    image_field: ClassVar[str] = "image_local_name"
    image_folder: ClassVar[str | None] = "infographicsvqa_images"
    metadata_fields: ClassVar[tuple[str, ...]] = _INFO_META
