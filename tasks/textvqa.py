"""TextVQA (Singh et al., CVPR 2019): questions about scene text, ten human answers each.

Formats read by :meth:`TextVQA.load`:

- **official** ``TextVQA_0.5.1_val.json``: ``{"dataset_type", "data": [{"question_id",
  "image_id", "question", "answers" (10 strings), "image_classes", "set_name", ...}]}``.
  Images are ``<image_id>.jpg``; they resolve against ``images``, else the annotation
  folder's ``train_images/`` (``test_images/`` for the test file, whose records have no
  answers) when it exists, else the annotation folder.
- **hub** ``lmms-lab/textvqa`` (lmms-eval's ``dataset_path``): parquet files
  ``data/{train,validation,test}-*.parquet`` with ``question_id``, ``question``, ``image``,
  ``answers``, ``ocr_tokens``, ``image_classes``, ``set_name``... The ``validation`` split is
  evaluated (lmms-eval's ``textvqa_val``; its ``test`` split has no answers).
- **Monkey / TextHarmony** JSON(L) (see :mod:`harmonybench.tasks.common`).

Sample ids are the ``question_id``. Metadata keeps ``image_id``, ``image_classes``,
``set_name``, ``ocr_tokens`` (hub) and the image size where given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from harmonybench.task import frozen
from harmonybench.tasks.common import (
    SHORT_ANSWER,
    Draft,
    QuestionTemplate,
    VQATask,
    reference_generation,
    vqa_prompts,
)
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, Rec, image_file, image_root

_META = ("image_id", "image_classes", "set_name", "image_width", "image_height")


class TextVQA(VQATask):
    """TextVQA validation: VQA accuracy over ten answers (default protocol ``vqa``).

    Prompts:
        - ``default``: lmms-eval ``tasks/textvqa`` (EvolvingLMMs-Lab/lmms-eval 75571cf):
          ``f"{question.capitalize()}\\nAnswer the question using a single word or phrase."``
          with OCR tokens off. ``.capitalize()`` lowercases the rest of the question, exactly
          as lmms-eval does; the template (a :class:`QuestionTemplate`) applies it.
          lmms-eval sets no ``max_new_tokens`` for TextVQA (only ``until: ASSISTANT:``, so the
          model adapter's own default applies, 1024 for its LLaVA adapter); harmonybench uses
          32, lmms-eval's value for the other short-answer tasks (DocVQA, InfoVQA, ST-VQA).
        - ``monkey``: Monkey ``eval/evaluate_vqa.py`` ``textvqa_val``: max_new_tokens 10.
        - ``textmonkey``: TextMonkey ``eval/evaluate_vqa_doc.py``: max_new_tokens 100.
        - ``textharmony``: the bare question (TextHarmony's adapter wraps it).
    """

    name: ClassVar[str] = "textvqa"
    summary: ClassVar[str] = "TextVQA val: scene-text VQA, 10 answers per question"
    default_protocol: ClassVar[str] = "vqa"
    protocols: ClassVar[tuple[str, ...]] = (
        "vqa", "vqa-official", "contains", "contains-monkey", "exact"
    )
    prompts = frozen(
        vqa_prompts(
            "textvqa",
            QuestionTemplate("textvqa/default@1", "{question}" + SHORT_ANSWER, "capitalize"),
        )
    )
    generation = frozen({"max_new_tokens": 32, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=10)
    hub_splits: ClassVar[tuple[str, ...]] = ("validation", "val", "test")
    official_format: ClassVar[str] = 'TextVQA_0.5.1_*.json ({"data": [{"question_id", ...}]})'

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The official ``{"data": [...]}`` file."""
        records = doc.data_records()
        if records is None:
            return None
        dataset_type = doc.value.get("dataset_type") if isinstance(doc.value, dict) else None
        conventional = "test_images" if dataset_type == "test" else "train_images"
        root = image_root(doc.path, images, conventional)
        drafts = []
        for rec in records:
            image_id = rec.ident("image_id")
            drafts.append(
                Draft(
                    rec=rec,
                    id=rec.ident("question_id"),
                    question=rec.text("question"),
                    answers=rec.opt_answers("answers"),
                    images=(image_file(rec, "image_id", root, f"{image_id}.jpg"),),
                    metadata=self._metadata(rec),
                    id_field="question_id",
                )
            )
        return drafts

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``lmms-lab/textvqa``."""
        return [
            Draft(
                rec=rec,
                id=rec.ident("question_id"),
                question=rec.text("question"),
                answers=rec.opt_answers("answers"),
                images=(hub_image(rec, "image", root),),
                metadata=self._metadata(rec),
                id_field="question_id",
            )
            for rec in hub_records(split)
        ]

    @staticmethod
    def _metadata(rec: Rec) -> dict[str, Any]:
        meta = rec.meta(*_META)
        tokens = rec.strings("ocr_tokens")
        if tokens is not None:
            meta["ocr_tokens"] = tokens
        return meta
