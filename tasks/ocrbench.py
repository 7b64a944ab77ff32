"""OCRBench v1 (Liu et al., 2023): 1000 OCR questions in ten categories, scored out of 1000.

Formats read by :meth:`OCRBench.load`:

- **official** ``OCRBench/OCRBench.json`` (Yuliang-Liu/MultimodalOCR 794c36d): a JSON list of
  1000 ``{"dataset_name", "id", "image_path", "question", "answers", "type"}``; ``answers``
  is a string (851 records) or a list (149). Its ``id`` is NOT unique (113 values repeat),
  so sample ids are 0-based positions in the file; ``id`` is kept in the metadata with
  ``type`` (the category the score is broken down by) and ``dataset_name`` (``HME100k``
  switches the matching rule). ``image_path`` resolves against ``images``, else the
  annotation folder's ``OCRBench_Images/`` when it exists, else the annotation folder.
- **hub** ``echo840/OCRBench`` (lmms-eval's ``dataset_path``; built by lmms-eval's
  ``upload_ocrbench.py`` from ``OCRBench.json`` in file order, so row numbers equal the
  official positions): ``dataset``, ``question``, ``question_type``, ``answer`` (a list),
  ``image``; split ``test``. ``question_type`` becomes ``metadata["type"]`` and ``dataset``
  ``metadata["dataset_name"]``.
- **Monkey / TextHarmony** JSON(L); its ``dataset_name`` and ``type`` fields, when present,
  are kept in the metadata like any other scalar field.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.common import (
    TEXTHARMONY_TEMPLATE,
    TEXTMONKEY_TEMPLATE,
    Draft,
    QuestionTemplate,
    VQATask,
    reference_generation,
)
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, image_file, image_root

MONKEY_OCRBENCH_TEMPLATE = " {question} Answer: "
"""MultimodalOCR ``OCRBench/scripts/monkey.py`` prompt after its image tag:
``f'<img>{img_path}</img> {qs} Answer: '`` has a space after ``</img>`` and a trailing one."""


class OCRBench(VQATask):
    """OCRBench v1, scored by substring containment out of 1000 (protocol ``ocrbench``).

    Prompts:
        - ``default``: lmms-eval ``tasks/ocrbench`` (EvolvingLMMs-Lab/lmms-eval 75571cf): the
          question ``.strip()``-ed (a :class:`QuestionTemplate`), no pre/post prompt, greedy,
          ``max_new_tokens: 128``.
        - ``monkey``: MultimodalOCR ``OCRBench/scripts/monkey.py`` (794c36d):
          ``<img>{img_path}</img> {question} Answer: `` with ``max_new_tokens=100``, greedy.
        - ``textmonkey``: TextMonkey ships no OCRBench script; its document template
          (``eval/evaluate_vqa_doc.py``) with 100 new tokens.
        - ``textharmony``: the bare question.
    """

    name: ClassVar[str] = "ocrbench"
    summary: ClassVar[str] = "OCRBench v1: 1000 OCR questions in 10 categories (score /1000)"
    default_protocol: ClassVar[str] = "ocrbench"
    protocols: ClassVar[tuple[str, ...]] = (
        "ocrbench", "ocrbench-lmms-eval", "contains", "contains-monkey", "exact"
    )
    prompts = frozen(
        {
            "default": QuestionTemplate("ocrbench/default@1", "{question}", "strip"),
            "monkey": PromptTemplate("ocrbench/monkey@1", MONKEY_OCRBENCH_TEMPLATE),
            "textmonkey": PromptTemplate("ocrbench/textmonkey@1", TEXTMONKEY_TEMPLATE),
            "textharmony": PromptTemplate("ocrbench/textharmony@1", TEXTHARMONY_TEMPLATE),
        }
    )
    generation = frozen({"max_new_tokens": 128, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    hub_splits: ClassVar[tuple[str, ...]] = ("test",)
    positional_ids: ClassVar[bool] = True
    official_format: ClassVar[str] = (
        "OCRBench.json (a list of dataset_name/id/image_path/question/answers/type records)"
    )

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The official ``OCRBench.json``."""
        if not isinstance(doc.value, list):
            return None
        records = doc.records(doc.value)
        if records and not {"dataset_name", "type"} <= set(records[0].data):
            return None
        root = image_root(doc.path, images, "OCRBench_Images")
        drafts = []
        for rec in records:
            meta = {
                "type": rec.text("type"),
                "dataset_name": rec.text("dataset_name"),
                **rec.meta("id"),
            }
            drafts.append(
                Draft(
                    rec=rec,
                    id=str(rec.index),
                    question=rec.text("question"),
                    answers=rec.opt_answers("answers"),
                    images=(image_file(rec, "image_path", root),),
                    metadata=meta,
                )
            )
        return drafts

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``echo840/OCRBench``."""
        return [
            Draft(
                rec=rec,
                id=str(rec.index),
                question=rec.text("question"),
                answers=rec.opt_answers("answer"),
                images=(hub_image(rec, "image", root),),
                metadata={"type": rec.text("question_type"), "dataset_name": rec.text("dataset")},
                answers_field="answer",
            )
            for rec in hub_records(split)
        ]
