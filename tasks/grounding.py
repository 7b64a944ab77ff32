"""Text grounding: ``Where is "WORD" in this image?`` answered with a region, scored by
Acc@0.5 (TextHarmony Table 2, MARIO-Eval; protocols-and-formats §1.4).

Formats read by :meth:`Grounding.load` (every format of
:mod:`harmonybench.tasks.perception_data`, then one query per text instance):

- **MARIO** ``ocr.txt`` files, ``WORD x1,y1,x2,y2,x3,y3,x4,y4 [conf]`` per line: one file for
  one image (its image next to it: ``ocr.txt`` -> ``image.*``, ``X.txt`` -> ``X.*``), or a
  folder of them (MARIO-10M's ``<key>/ocr.txt`` + ``<key>/image.jpg``, or ``X.txt`` files
  beside ``X.png`` images, or under ``images`` in the same relative folders);
- **ICDAR** ground-truth files (``x1,...,y4,transcription``; ``###`` regions are never
  queried) and PaddleOCR label files;
- **JSON / JSON Lines**: the image-level records of ``perception_data`` (``{"image",
  "instances": [{"text", "polygon"|"box"}]}``), or one record per query::

      {"image": "img_1.jpg", "word": "EXIT", "polygon": [[10, 10], [50, 10], [50, 30],
       [10, 30]], "id": 7, "width": 640, "height": 480}

  (``word`` or ``text``; ``polygon`` or ``box``; ``id``, ``width`` and ``height`` optional).

Queries: one per instance with a non-empty text that is not don't care. A word that occurs
more than once in an image is ambiguous ("where is 'the'?"); the ``duplicates`` option
(``--task-arg grounding:duplicates=...``) decides: ``skip`` (default: such words are not
queried, as no single region answers them), ``first`` (queried once, against its first
instance) or ``all`` (queried once per instance, each against its own region). Words are
compared exactly (case and punctuation count). Query-level JSON records are taken as given.

Sample ids: query-level records, their ``id`` or 0-based position; one annotation file, the
instance's 0-based position in it; several images, ``"<image id>:<instance position>"``
(``img_1:3``, ``06269/062692530:0``). Targets are ``{"polygon": [[x, y], ...]}`` or
``{"box": [x1, y1, x2, y2]}`` in image pixels; metadata ``width``, ``height`` (read from
the image header when the file does not give them), ``word``, ``image_id``, ``instance``,
``occurrences`` (of the word in its image), ``confidence`` (MARIO) and ``format``.

Coordinate frames, by protocol (see :mod:`harmonybench.metrics.grounding`): the model
family decides the frame its answers are in, and a wrong frame scores near 0.

=========================================== =============================== ================
model                                       answers                         protocol suffix
=========================================== =============================== ================
TextHarmony (``textharmony``)               ``[[x, y], ...]`` in 448 px     (none): default
MM-Interleaved; Qwen-VL as its RefCOCO      ``(x1,y1)(x2,y2)`` in 0-999     ``-999``
scorer divides
Qwen-VL (docs), TextMonkey                  ``<box>(x1,y1),(x2,y2)</box>``  ``-1000``
(``monkey variant=textmonkey``), Qwen2-VL   in 0-1000
OCR engines (``rapidocr``, ``tesseract``)   ``[[x, y], ...]`` in pixels     ``-pixel``
=========================================== =============================== ================

Every protocol the task lists is computed in a run, so the right one is always in
``scores.json``; the default (``grounding-acc@0.5-box``, TextHarmony's reading) is the
headline, and OCR engines must be read under ``grounding-acc@0.5-box-pixel`` (their outputs
say ``"frame": "pixel"`` in ``Output.metadata``). Qwen2.5-VL answers absolute coordinates on
its *resized* input, which are pixels of the original only when the processor does not
resize it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from harmonybench.errors import DataError, RegistryError
from harmonybench.schema import Request, Sample, as_path
from harmonybench.task import PromptTemplate, Task, frozen
from harmonybench.tasks.common import GREEDY, TEXTHARMONY_GENERATION
from harmonybench.tasks.perception_data import load_annotations
from harmonybench.tasks.perception_json import (
    json_image,
    json_records,
    json_size,
    looks_like_json,
    record_id,
    region_from_value,
)
from harmonybench.tasks.perception_regions import ImageAnnotation, Region, image_size, iter_regions
from harmonybench.tasks.records import Rec, image_root, json_type, plain_value

QUESTION = 'Where is "{word}" in this image?'
"""TextHarmony's grounding template (``custom_datasets/all_mixed_dataset.py`` ``_get_ocr``,
bytedance/TextHarmony @f98ac34b206f: ``'Where is \\"<word>\\" in this image?'``)."""
TEXTMONKEY_QUESTION = "<ref>{word}</ref>"
"""TextMonkey's "Position of Text" prompt (Yuliang-Liu/Monkey ``demo_textmonkey.py``
@498e1d92baff: ``<ref>"Question"</ref>``, written after ``<img>...</img> ``)."""

Duplicates = Literal["skip", "first", "all"]
DUPLICATES: tuple[Duplicates, ...] = ("skip", "first", "all")

_QUERY_KEYS = frozenset({"image", "image_path", "id", "width", "height", "word", "text",
                         "polygon", "box"})

MAX_NEW_TOKENS = 64
"""A 4-point polygon is 40 to 50 tokens for a LLaMA tokenizer (one token per digit):
TextHarmony's VQA limit of 30 would cut it."""


class Grounding(Task):
    """Where is a word: Acc@0.5 of the answered region (default ``grounding-acc@0.5-box``).

    Prompts (the question ``Where is "WORD" in this image?`` is TextHarmony's training
    template and is the sample's ``question``):

    - ``default``: that question, rendered from the word;
    - ``textharmony``: the sample's question as is (the TextHarmony adapter wraps the
      question in its own VQA prompt);
    - ``monkey`` / ``textmonkey``: TextMonkey's ``<ref>WORD</ref>`` (without / with the space
      TextMonkey's demo writes after ``</img>``).

    Generation: 64 new tokens (:data:`MAX_NEW_TOKENS`), greedy (``monkey``/``textmonkey``:
    Monkey's greedy settings); the ``textharmony`` family keeps its sampling settings with
    64 tokens.

    Args:
        duplicates: what to do with words that occur more than once in an image
            (``skip``, ``first``, ``all``; see the module docstring).
    """

    name: ClassVar[str] = "grounding"
    summary: ClassVar[str] = 'Text grounding: Where is "WORD" in this image? (Acc@0.5)'
    kind = "grounding"
    default_protocol: ClassVar[str] = "grounding-acc@0.5-box"
    protocols: ClassVar[tuple[str, ...]] = (
        "grounding-acc@0.5-box", "grounding-acc@0.5-poly",
        "grounding-acc@0.5-box-999", "grounding-acc@0.5-poly-999",
        "grounding-acc@0.5-box-1000", "grounding-acc@0.5-poly-1000",
        "grounding-acc@0.5-box-norm", "grounding-acc@0.5-poly-norm",
        "grounding-acc@0.5-box-pixel", "grounding-acc@0.5-poly-pixel",
    )
    frame_protocols = frozen({
        "448": "grounding-acc@0.5-box", "999": "grounding-acc@0.5-box-999",
        "1000": "grounding-acc@0.5-box-1000", "norm": "grounding-acc@0.5-box-norm",
        "pixel": "grounding-acc@0.5-box-pixel",
    })
    prompts = frozen({
        "default": PromptTemplate("grounding/default@1", QUESTION),
        "textharmony": PromptTemplate("grounding/textharmony@1", "{question}"),
        "monkey": PromptTemplate("grounding/monkey@1", TEXTMONKEY_QUESTION),
        "textmonkey": PromptTemplate("grounding/textmonkey@1", " " + TEXTMONKEY_QUESTION),
    })
    generation = frozen({"max_new_tokens": MAX_NEW_TOKENS, "do_sample": False})
    family_generation = frozen({
        "monkey": frozen({**GREEDY, "max_new_tokens": MAX_NEW_TOKENS}),
        "textmonkey": frozen({**GREEDY, "max_new_tokens": MAX_NEW_TOKENS}),
        "textharmony": frozen({**TEXTHARMONY_GENERATION, "max_new_tokens": MAX_NEW_TOKENS}),
    })

    def __init__(self, duplicates: str = "skip") -> None:
        if duplicates not in DUPLICATES:
            raise RegistryError(f"--task-arg grounding:duplicates={duplicates}: expected one of "
                                f"{', '.join(DUPLICATES)}")
        self.duplicates: Duplicates = duplicates  # type: ignore[assignment]

    # -- loading -------------------------------------------------------------------------

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read a file or folder in any format of the module docstring.

        Raises:
            DataError: naming the file, the record and the field of the first bad item; a
                source with no query at all; a duplicate sample id.
        """
        source = as_path(path)
        if source.is_file() and looks_like_json(source):
            records = json_records(source)
            if records and "instances" not in records[0].data:
                return self._check(source, [self._query(rec, image_root(source, images))
                                            for rec in records])
        annotations = load_annotations(source, images)
        single = len(annotations) == 1 and annotations[0].where is None
        samples = [s for ann in annotations for s in self._expand(ann, single)]
        return self._check(source, samples)

    def _check(self, source: Path, samples: Sequence[Sample]) -> list[Sample]:
        if not samples:
            raise DataError(source, "no text instance to query (every one is empty, don't "
                                    f"care or, with duplicates={self.duplicates}, repeated)")
        seen: set[str] = set()
        for sample in samples:
            if sample.id in seen:
                raise DataError(source, f"duplicate sample id {sample.id!r}", field="id")
            seen.add(sample.id)
        return list(samples)

    def _expand(self, ann: ImageAnnotation, single: bool) -> list[Sample]:
        counts = Counter(r.text for r in ann.regions if r.text and not r.ignore)
        taken: set[str] = set()
        samples = []
        for index, region, _ in iter_regions(ann):
            if region.ignore or not region.text:
                continue
            repeated = counts[region.text] > 1
            if repeated and (self.duplicates == "skip" or (
                    self.duplicates == "first" and region.text in taken)):
                continue
            taken.add(region.text)
            metadata: dict[str, Any] = {
                **ann.metadata, "width": ann.width, "height": ann.height,
                "word": region.text, "image_id": ann.id, "instance": index,
                "occurrences": counts[region.text], "format": ann.source,
            }
            if region.confidence is not None:
                metadata["confidence"] = region.confidence
            ident = str(index) if single else f"{ann.id}:{index}"
            samples.append(self._sample(ident, ann.image, region, metadata))
        return samples

    def _query(self, rec: Rec, root: Path) -> Sample:
        ident, _ = record_id(rec)
        word_key = "word" if "word" in rec.data else "text"
        word = rec.text(word_key)
        if not word.strip():
            raise rec.error("empty word", word_key)
        region_key: Literal["polygon", "box"] = "polygon" if "polygon" in rec.data else "box"
        found = region_from_value(rec.require(region_key), region_key)
        if isinstance(found, str):
            raise rec.error(found, region_key)
        kind, points = found
        ref = json_image(rec, root)
        width, height = json_size(rec)
        if width is None or height is None:
            image_key = rec.pick("image", "image_path") or "image"
            width, height = image_size(ref, rec.error(
                f"cannot read the size of image {ref.describe()}", image_key))
        extra = {k: v for k in rec.data if k not in _QUERY_KEYS
                 and (v := plain_value(rec.data[k])) is not None}
        metadata = {**extra, "width": width, "height": height, "word": word,
                    "image_id": ref.name or ident, "format": "json"}
        return self._sample(ident, ref, Region(text=word, kind=kind, points=points), metadata)

    def _sample(self, ident: str, image: Any, region: Region,
                metadata: dict[str, Any]) -> Sample:
        key = "box" if region.kind == "box" else "polygon"
        return Sample(
            id=ident, task=self.name, question=QUESTION.format(word=region.text),
            images=(image,), target={key: region.target()}, metadata=metadata,
        )

    # -- requests ------------------------------------------------------------------------

    def request(
        self,
        sample: Sample,
        family: str = "default",
        generation: Mapping[str, Any] | None = None,
        seed: int | None = None,
        index: int | None = None,
    ) -> Request:
        """The base request with the template rendered from the question and the word."""
        tpl = self.template(family)
        settings = self.generation_for(family)
        if generation:
            settings.update(generation)
        word = sample.metadata.get("word")
        if not isinstance(word, str):
            raise DataError(sample.task, f"expected the queried word, got {json_type(word)}",
                            record=f"sample {sample.id}", field="metadata.word")
        return Request(
            sample_id=sample.id, task=self.name, kind=self.kind,
            prompt=tpl.render(question=sample.question or "", word=word),
            template_id=tpl.id, template_hash=tpl.hash, question=sample.question,
            index=index, images=sample.images, seed=seed, generation=settings,
            metadata=dict(sample.metadata),
        )
