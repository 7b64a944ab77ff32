"""ST-VQA (Biten et al., ICCV 2019): scene-text VQA scored with ANLS.

Formats read by :meth:`STVQA.load`:

- **official** ``train_task_{1,2,3}.json`` / ``test_task_{1,2,3}.json``:
  ``{"dataset_name", "data": [{"question_id", "question", "file_path", "answers",
  "file_name", "dataset", "set_name", ...}]}``; ``file_path`` (``coco-text/COCO_...jpg``) is
  relative to the image root (``images``, else the annotation folder). The test files carry
  no ``answers`` (the RRC server scores them) and load with empty answers.
- **hub** ``lmms-lab/ST-VQA`` (lmms-eval's ``dataset_path``, one ``test`` split of 4070 rows
  without public answers): ``question_id``, ``question``, ``image``; ``answers`` is read when
  present. The ``test`` split is evaluated (it is the only one), then ``validation``/``val``.
- **Monkey / TextHarmony** JSON(L) (Monkey's ``data/STVQA/stvqa.jsonl``).

Sample ids are the ``question_id`` (the 0-based row for hub tables without one). Metadata
keeps ``dataset`` (the source collection: coco-text, imagenet, ...), ``set_name`` and
``file_name``.
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

_META = ("dataset", "set_name", "file_name")


class STVQA(VQATask):
    """ST-VQA, scored with ANLS (default protocol ``anls``).

    Prompts:
        - ``default``: lmms-eval ``tasks/stvqa`` (EvolvingLMMs-Lab/lmms-eval 75571cf):
          ``question + "\\nAnswer the question using a single word or phrase."``, greedy,
          ``max_new_tokens: 32``.
        - ``monkey``: Monkey ``eval/evaluate_vqa.py`` ``stvqa_test``: max_new_tokens 100.
        - ``textmonkey``: TextMonkey ``eval/evaluate_vqa_doc.py``: max_new_tokens 100.
        - ``textharmony``: the bare question.
    """

    name: ClassVar[str] = "stvqa"
    summary: ClassVar[str] = "ST-VQA: scene-text VQA (ANLS)"
    default_protocol: ClassVar[str] = "anls"
    protocols: ClassVar[tuple[str, ...]] = (
        "anls", "anls-monkey", "contains", "contains-monkey", "exact"
    )
    prompts = frozen(vqa_prompts("stvqa", "{question}" + SHORT_ANSWER))
    generation = frozen({"max_new_tokens": 32, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    hub_splits: ClassVar[tuple[str, ...]] = ("test", "validation", "val")
    official_format: ClassVar[str] = (
        'the ST-VQA JSON ({"data": [{"question_id", "file_path", ...}]})'
    )

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The official ``{"data": [...]}`` file."""
        records = doc.data_records()
        if records is None:
            return None
        root = image_root(doc.path, images)
        return [
            Draft(
                rec=rec,
                id=rec.ident("question_id"),
                question=rec.text("question"),
                answers=rec.opt_answers("answers"),
                images=(image_file(rec, "file_path", root),),
                metadata=rec.meta(*_META),
                id_field="question_id",
            )
            for rec in records
        ]

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """Rows of ``lmms-lab/ST-VQA``."""
        drafts = []
        for rec in hub_records(split):
            with_id = rec.has("question_id")
            drafts.append(
                Draft(
                    rec=rec,
                    id=rec.ident("question_id") if with_id else str(rec.index),
                    question=rec.text("question"),
                    answers=rec.opt_answers("answers"),
                    images=(hub_image(rec, "image", root),),
                    metadata=rec.meta(*_META),
                    id_field="question_id" if with_id else None,
                )
            )
        return drafts
