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
``set_name``, ``ocr_tokens`` (hub, or the Rosetta file) and the image size where given.

**Prompt settings** (``--task-arg textvqa:prompt=question|ocr-tokens``). TextVQA numbers
depend on whether the prompt carries the OCR tokens, and papers mix the two up
(lmms-eval issues #6 and #51: LLaVA-1.5's 61.3 is the OCR-token setting):

- ``question`` (the default): the pure question, with each family's template
  (:class:`TextVQA` ``Prompts``).
- ``ocr-tokens``: LLaVA-1.5's prompt, for every family:
  ``"<question>\nReference OCR token: <t1>, <t2>, ...\nAnswer the question using a single
  word or phrase."``. The form is that of the question file behind LLaVA-1.5's answers
  (haotian-liu/LLaVA ``playground/data/eval/textvqa/answers/llava-v1.5-13b.jsonl`` at
  32cebc3809441cc40d8ac7b2855d148308741f2a, the file that reproduces its published 61.3):
  tokens joined by ``", "``, an image without tokens leaves ``"Reference OCR token: "``
  (115 of its 5000 prompts), and every question there equals its ``str.capitalize()``, as
  lmms-eval's ``ocr: true`` variant (``tasks/textvqa/utils.py``) builds it. The tokens come
  from the hub parquet's ``ocr_tokens`` column or, for the official file, from the official
  Rosetta OCR file (``TextVQA_Rosetta_OCR_v0.2_val.json``, ``{"data": [{"image_id",
  "ocr_tokens", ...}]}``) given as ``--task-arg textvqa:ocr_file=PATH``.

The setting changes the template id (``textvqa/ocr-tokens@1``) and is recorded in
``run.json`` as the task's ``prompt_setting`` (so it is part of the run id); the leaderboard
shows it beside every TextVQA score and says so when a board mixes the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.schema import Sample, as_path
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.common import (
    SHORT_ANSWER,
    Draft,
    QuestionTemplate,
    VQATask,
    reference_generation,
    vqa_prompts,
)
from harmonybench.tasks.hub import HubSplit, hub_image, hub_records
from harmonybench.tasks.records import Document, Rec, image_file, image_root, read_document

_META = ("image_id", "image_classes", "set_name", "image_width", "image_height")

PROMPT_SETTINGS: tuple[str, ...] = ("question", "ocr-tokens")
"""The prompt settings: the pure question, or LLaVA-1.5's OCR-token prompt."""
OCR_TOKENS_TEMPLATE = QuestionTemplate(
    "textvqa/ocr-tokens@1", "{question}\nReference OCR token: {ocr_tokens}" + SHORT_ANSWER,
    "capitalize",
)
"""LLaVA-1.5's TextVQA prompt (see the module docstring)."""
OCR_SEPARATOR = ", "
"""How LLaVA-1.5's prompts (and lmms-eval's ``ocr: true``) join the OCR tokens."""


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

        With ``prompt="ocr-tokens"`` every family uses :data:`OCR_TOKENS_TEMPLATE` (each
        family's generation settings stay).

    Args:
        prompt: the prompt setting, ``question`` or ``ocr-tokens`` (:data:`PROMPT_SETTINGS`).
        ocr_file: the official Rosetta OCR file whose ``ocr_tokens`` (by ``image_id``) the
            ``ocr-tokens`` prompt uses; the hub parquet's own ``ocr_tokens`` otherwise.
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

    def __init__(self, prompt: str = "question", ocr_file: str | None = None) -> None:
        if prompt not in PROMPT_SETTINGS:
            raise ValueError(
                f"prompt must be one of {', '.join(PROMPT_SETTINGS)}, not {prompt!r}")
        if ocr_file is not None and prompt != "ocr-tokens":
            raise ValueError("ocr_file is only used with prompt=ocr-tokens")
        self.setting = prompt
        self.ocr_file = ocr_file

    def prompt_setting(self) -> str:
        """``question`` or ``ocr-tokens``."""
        return self.setting

    def template(self, family: str = "default") -> PromptTemplate:
        """The family's template, or :data:`OCR_TOKENS_TEMPLATE` in the ``ocr-tokens``
        setting."""
        if self.setting == "ocr-tokens":
            return OCR_TOKENS_TEMPLATE
        return super().template(family)

    def prompt_fields(self, sample: Sample) -> dict[str, Any]:
        """``{ocr_tokens}``: the sample's tokens joined by ``", "`` (``ocr-tokens`` only)."""
        if self.setting != "ocr-tokens":
            return {}
        tokens = sample.metadata.get("ocr_tokens")
        if not isinstance(tokens, (list, tuple)):
            raise DataError(sample.task, "the ocr-tokens prompt needs the sample's OCR tokens",
                            record=f"sample {sample.id}", field="metadata.ocr_tokens")
        return {"ocr_tokens": OCR_SEPARATOR.join(str(t) for t in tokens)}

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read the data (see :class:`VQATask`); in the ``ocr-tokens`` setting attach the
        Rosetta file's tokens and check that every sample has tokens.

        Raises:
            DataError: a bad file; an image the Rosetta file has no entry for; a sample
                without OCR tokens in the ``ocr-tokens`` setting (naming the file, the
                record and the field).
        """
        samples = super().load(path, images)
        if self.setting != "ocr-tokens":
            return samples
        if self.ocr_file is not None:
            tokens = read_rosetta(self.ocr_file)
            joined = []
            for sample in samples:
                image_id = sample.metadata.get("image_id")
                if not isinstance(image_id, str) or image_id not in tokens:
                    raise DataError(as_path(self.ocr_file),
                                    f"no OCR tokens for image {image_id!r} of sample "
                                    f"{sample.id}", field="image_id")
                metadata = {**sample.metadata, "ocr_tokens": list(tokens[image_id])}
                joined.append(replace(sample, metadata=metadata))
            samples = joined
        for sample in samples:
            if not isinstance(sample.metadata.get("ocr_tokens"), (list, tuple)):
                raise DataError(as_path(path),
                                "the ocr-tokens prompt needs OCR tokens: this file has none; "
                                "give the Rosetta OCR file as --task-arg "
                                "textvqa:ocr_file=TextVQA_Rosetta_OCR_v0.2_val.json",
                                record=f"question {sample.id}", field="ocr_tokens")
        return samples

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


def read_rosetta(path: str | Path) -> Mapping[str, tuple[str, ...]]:
    """The official Rosetta OCR file's tokens by image id.

    ``TextVQA_Rosetta_OCR_v0.2_<split>.json``: ``{"data": [{"image_id", "ocr_tokens",
    "ocr_info", ...}]}``; only ``image_id`` and ``ocr_tokens`` are read.

    Raises:
        DataError: not such a file; a record without ``image_id`` or ``ocr_tokens``; an image
            listed twice.
    """
    doc = read_document(as_path(path))
    records = doc.data_records()
    if records is None:
        raise DataError(doc.path, 'not a Rosetta OCR file: expected {"data": [{"image_id", '
                        '"ocr_tokens"}]}')
    found: dict[str, tuple[str, ...]] = {}
    for rec in records:
        image_id = rec.ident("image_id")
        if image_id in found:
            raise rec.error(f"image {image_id!r} is listed twice", "image_id")
        tokens = rec.strings("ocr_tokens")
        if tokens is None:
            raise rec.error("missing OCR tokens", "ocr_tokens")
        found[image_id] = tuple(tokens)
    return MappingProxyType(found)
