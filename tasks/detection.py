"""Text detection (``Locate all the text in this image.``) and end-to-end spotting (``Locate and
extract all the text in this image.``), scored by the ICDAR precision/recall/h-mean rules of
:mod:`harmonybench.metrics.detection`.

Formats read by :meth:`TextLocation.load` (all those of
:mod:`harmonybench.tasks.perception_data`), one sample per image:

- **ICDAR** ground-truth files, ``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` (ICDAR 2015) or
  ``x1,y1,x2,y2,"transcription"`` (ICDAR 2013) per line, ``###`` = don't care: one file, or
  a folder of ``gt_<image>.txt`` files with the images next to them or under ``images``
  (``--images detection=ch4_test_images``);
- **MARIO** ``ocr.txt`` files (``WORD x1,...,y4 [conf]``), one or a folder (MARIO-10M);
- **PaddleOCR** label files (``path<TAB>[{"transcription", "points"}]``, ``###``/``*`` =
  don't care);
- **JSON / JSON Lines** image records ``{"image", "id"?, "width"?, "height"?,
  "instances": [{"text", "polygon"|"box", "ignore"?}]}``.

Sample ids: the image id (a JSON record's ``id`` or position, a folder file's name without
``gt_``, a PaddleOCR line's position; ``"0"`` for a single file). Targets:
``{"polygons": [...], "texts": [...], "ignore": [...]}`` in image pixels (an image without
text is a sample with no regions); metadata ``width``, ``height``, ``image_id``, ``format``.

**Default protocols: the ``-pixel`` variants** (``detection-icdar-pixel``,
``spotting-icdar-pixel``). The adapters that serve these kinds today are the OCR engines
(``rapidocr``, ``tesseract``: pixel polygons) and ``hf-vlm``/``replay`` (answers in whatever
frame the model was trained on); TextHarmony's adapter does not serve them, and its released
evaluation has no detection scorer. The 448-pixel (``detection-icdar``, TextHarmony's
training answers) and 0-1000 (``-1000``: OCRBench v2, Qwen-VL, TextMonkey) variants are
computed in every run beside the default; read the one that matches the model's frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.errors import DataError
from harmonybench.schema import Sample, as_path
from harmonybench.task import PromptTemplate, Task, frozen
from harmonybench.tasks.common import GREEDY, TEXTHARMONY_GENERATION
from harmonybench.tasks.perception_data import load_annotations
from harmonybench.tasks.perception_regions import ImageAnnotation

DETECTION_QUESTION = "Locate all the text in this image."
"""TextHarmony's detection template (``custom_datasets/all_mixed_dataset.py`` ``_get_ocr``,
bytedance/TextHarmony @f98ac34b206f); answers ``str(list_of_polygons)`` in 448 px."""
SPOTTING_QUESTION = "Locate and extract all the text in this image."
"""TextHarmony's spotting template (same source); answers ``str(['<polygon> word', ...])``."""
TEXTMONKEY_SPOTTING = "OCR with grounding:"
"""TextMonkey's "Text Spotting" prompt (Yuliang-Liu/Monkey ``demo_textmonkey.py``
@498e1d92baff), written after ``<img>...</img> ``; it answers ``<ref>word</ref><box>(x1,y1),
(x2,y2)</box>`` in 0-1000. TextMonkey has no detection-only prompt, so detection uses it too
(the detection protocols ignore the words)."""

MAX_NEW_TOKENS = 1024
"""Whole-image answers are long: about 50 tokens per polygon."""
TEXTMONKEY_NEW_TOKENS = 2048
"""``demo_textmonkey.py`` generates greedily with ``max_new_tokens=2048``."""


def _generation() -> Mapping[str, Mapping[str, Any]]:
    monkey = frozen({**GREEDY, "max_new_tokens": TEXTMONKEY_NEW_TOKENS})
    return frozen({
        "monkey": monkey,
        "textmonkey": monkey,
        "textharmony": frozen({**TEXTHARMONY_GENERATION, "max_new_tokens": MAX_NEW_TOKENS}),
    })


def _prompts(task: str, question: str) -> Mapping[str, PromptTemplate]:
    return frozen({
        "default": PromptTemplate(f"{task}/default@1", question),
        "textharmony": PromptTemplate(f"{task}/textharmony@1", "{question}"),
        "monkey": PromptTemplate(f"{task}/monkey@1", TEXTMONKEY_SPOTTING),
        "textmonkey": PromptTemplate(f"{task}/textmonkey@1", " " + TEXTMONKEY_SPOTTING),
    })


class TextLocation(Task):
    """Shared loading of the detection and spotting tasks (one sample per image)."""

    question: ClassVar[str]

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read a file or folder in any format of :mod:`~harmonybench.tasks.perception_data`.

        Raises:
            DataError: naming the file, the record and the field of the first bad item; no
                image at all; a duplicate image id.
        """
        source = as_path(path)
        annotations = load_annotations(source, images)
        if not annotations:
            raise DataError(source, "no records")
        seen: dict[str, ImageAnnotation] = {}
        for ann in annotations:
            if ann.id in seen:
                raise ann.error(f"duplicate image id {ann.id!r} (first at "
                                f"{seen[ann.id].where or seen[ann.id].path})", "id")
            seen[ann.id] = ann
        return [self._sample(ann) for ann in annotations]

    def _sample(self, ann: ImageAnnotation) -> Sample:
        target = {
            "polygons": [r.target() for r in ann.regions],
            "texts": [r.text for r in ann.regions],
            "ignore": [r.ignore for r in ann.regions],
        }
        metadata: dict[str, Any] = {**ann.metadata, "width": ann.width, "height": ann.height,
                                    "image_id": ann.id, "format": ann.source}
        return Sample(id=ann.id, task=self.name, question=self.question, images=(ann.image,),
                      target=target, metadata=metadata)


class Detection(TextLocation):
    """Locate all the text: ICDAR detection h-mean (default ``detection-icdar-pixel``).

    Prompts: ``default`` and ``textharmony`` TextHarmony's ``Locate all the text in this
    image.``; ``monkey``/``textmonkey`` TextMonkey's ``OCR with grounding:`` (see the module
    docstring). Generation: 1024 new tokens, greedy (``textharmony``: its sampling settings
    with 1024 tokens; ``monkey``/``textmonkey``: greedy, 2048 as TextMonkey's demo).
    """

    name: ClassVar[str] = "detection"
    summary: ClassVar[str] = "Text detection: Locate all the text in this image. (ICDAR h-mean)"
    kind = "detection"
    question: ClassVar[str] = DETECTION_QUESTION
    default_protocol: ClassVar[str] = "detection-icdar-pixel"
    protocols: ClassVar[tuple[str, ...]] = (
        "detection-icdar-pixel", "detection-icdar", "detection-icdar-1000",
    )
    frame_protocols = frozen({"448": "detection-icdar", "1000": "detection-icdar-1000",
                              "pixel": "detection-icdar-pixel"})
    prompts = _prompts("detection", DETECTION_QUESTION)
    generation = frozen({"max_new_tokens": MAX_NEW_TOKENS, "do_sample": False})
    family_generation = _generation()


class Spotting(TextLocation):
    """Locate and extract all the text: ICDAR end-to-end h-mean (default
    ``spotting-icdar-pixel``).

    Prompts: ``default`` and ``textharmony`` TextHarmony's ``Locate and extract all the text
    in this image.``; ``monkey``/``textmonkey`` TextMonkey's ``OCR with grounding:``.
    Generation: as :class:`Detection`.
    """

    name: ClassVar[str] = "spotting"
    summary: ClassVar[str] = (
        "Text spotting: Locate and extract all the text in this image. (ICDAR end-to-end)"
    )
    kind = "spotting"
    question: ClassVar[str] = SPOTTING_QUESTION
    default_protocol: ClassVar[str] = "spotting-icdar-pixel"
    protocols: ClassVar[tuple[str, ...]] = (
        "spotting-icdar-pixel", "spotting-icdar", "spotting-icdar-1000",
    )
    frame_protocols = frozen({"448": "spotting-icdar", "1000": "spotting-icdar-1000",
                              "pixel": "spotting-icdar-pixel"})
    prompts = _prompts("spotting", SPOTTING_QUESTION)
    generation = frozen({"max_new_tokens": MAX_NEW_TOKENS, "do_sample": False})
    family_generation = _generation()
