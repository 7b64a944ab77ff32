"""Word and line recognition from crops: IIIT5K, SVT, ICDAR 2013/2015 and the recognition
categories of OCRBench, scored by word accuracy (default) and normalised edit distance.

Formats read by :meth:`TextRecognition.load` (told from the content):

- **line lists** (``gt.txt``), one crop per non-blank line, the layout told from the first
  line (every line must then have it):

  - ``path<TAB>text``: PaddleOCR's recognition labels (``SimpleDataSet``, delimiter
    ``\\t``) and clovaai/deep-text-recognition-benchmark's ``create_lmdb_dataset.py`` input;
    the text is everything after the first tab;
  - ``path, "text"``: the ICDAR 2013/2015 word-recognition ground truth
    (``word_1.png, "Genaxis Theatre"``; a UTF-8 BOM is skipped); the quotes are removed and
    ``\\\\`` then ``\\"`` unescaped as the RRC scripts do (Yuliang-Liu/MultimodalOCR
    ``OCRBench_v2/eval_scripts/spotting_eval/rrc_evaluation_funcs_1_1.py`` @794c36d6423c);
  - ``path text``: the space-separated lists of open-mmlab/mmocr's ``dataset_zoo``
    (``iiit5k``, ``svt``... ``ICDARTxtTextRecogAnnParser`` with ``separator=' '``,
    @966296f2): the path is the first whitespace-free token, the text the rest of the line.

  Crops transcribed ``###`` (ICDAR's don't care) are skipped. Sample ids are 0-based
  positions among the non-blank lines (a skipped crop keeps its number unused).

- **OCRBench** ``OCRBench.json`` (Yuliang-Liu/MultimodalOCR 794c36d), restricted to its six
  recognition categories (:data:`RECOGNITION_TYPES`, 300 of the 1000 records), each with its
  own question (``what is written in the image?``; Digit String Recognition asks ``what is
  the number in the image?``) and answers. Sample ids are positions in the **full** file, as
  the ``ocrbench`` task numbers them, so the two tasks' records can be joined; ``type``,
  ``dataset_name`` and ``id`` go into the metadata. Images resolve against ``images``, else
  the folder's ``OCRBench_Images/`` when it exists, else the annotation folder.

- **JSON / JSON Lines** records ``{"image"|"image_path": ..., "text"|"label"|"answer"|
  "answers": ..., "id"|"question_id"?: ..., "question"?: ...}``; the text may be a string or
  a list of accepted strings; ids default to 0-based positions; other scalar fields go into
  the metadata.

The question is OCRBench's ``what is written in the image?`` unless the record has one.
Image paths resolve against ``images`` when given, else the annotation file's folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Literal

from harmonybench.errors import DataError
from harmonybench.schema import Sample, as_path
from harmonybench.task import PromptTemplate, Task, frozen
from harmonybench.tasks.common import (
    TEXTHARMONY_TEMPLATE,
    TEXTMONKEY_TEMPLATE,
    Draft,
    build_samples,
    reference_generation,
)
from harmonybench.tasks.ocrbench import MONKEY_OCRBENCH_TEMPLATE
from harmonybench.tasks.perception_json import looks_like_json
from harmonybench.tasks.perception_regions import DONT_CARE
from harmonybench.tasks.perception_text import unquote_transcription
from harmonybench.tasks.records import Rec, image_file, image_root, read_document

QUESTION = "what is written in the image?"
"""OCRBench's recognition question (``OCRBench.json``, Regular/Irregular/Artistic/
Handwriting/Non-Semantic Text Recognition)."""

RECOGNITION_TYPES: tuple[str, ...] = (
    "Regular Text Recognition",
    "Irregular Text Recognition",
    "Artistic Text Recognition",
    "Handwriting Recognition",
    "Digit String Recognition",
    "Non-Semantic Text Recognition",
)
"""OCRBench v1's text-recognition categories (protocols-and-formats §3.1), 50 records each."""

LineLayout = Literal["tab", "icdar", "space"]

_ICDAR_LINE = re.compile(r'^\s*(?P<path>[^,]+?)\s*,\s*(?P<text>".*")\s*$')
_SPACE_LINE = re.compile(r"^\s*(?P<path>\S+)\s+(?P<text>\S.*?)\s*$")
_TEXT_KEYS = ("text", "label", "answer", "answers")
_JSON_KEYS = frozenset({"image", "image_path", "id", "question_id", "question", *_TEXT_KEYS})


def split_line(line: str, layout: LineLayout) -> tuple[str, str] | None:
    """``(path, text)`` of one list line in ``layout``, or ``None`` when it does not fit."""
    if layout == "tab":
        path, sep, text = line.partition("\t")
        return (path.strip(), text) if sep and path.strip() else None
    pattern = _ICDAR_LINE if layout == "icdar" else _SPACE_LINE
    m = pattern.match(line)
    if m is None:
        return None
    text = m.group("text")
    return m.group("path"), unquote_transcription(text) if layout == "icdar" else text


def line_layout(line: str) -> LineLayout | None:
    """The list layout of a first line: tab, ICDAR (``path, "text"``) or space."""
    if "\t" in line:
        return "tab"
    if _ICDAR_LINE.match(line):
        return "icdar"
    if _SPACE_LINE.match(line):
        return "space"
    return None


class TextRecognition(Task):
    """Recognition of cropped words and lines (default protocol ``word-accuracy``).

    Prompts (the sample's question is OCRBench's ``what is written in the image?`` unless the
    file gives one):

    - ``default``: the question (as lmms-eval's OCRBench task, greedy, 32 new tokens: a crop
      holds a word or a line);
    - ``monkey``: MultimodalOCR ``OCRBench/scripts/monkey.py`` (794c36d)
      ``<img>{path}</img> {question} Answer: ``, 100 new tokens, greedy;
    - ``textmonkey``: TextMonkey's ``<img>{path}</img> {question} Answer:``, 100 tokens;
    - ``textharmony``: the question (the TextHarmony adapter wraps it in its VQA prompt, as
      it does for OCRBench). TextHarmony's own recognition template, ``What is the text in
      <polygon> in this image?``, asks about a region of a full image, not a crop.
    """

    name: ClassVar[str] = "textrec"
    summary: ClassVar[str] = "Word/line recognition from crops (IIIT5K, SVT, IC13/15, OCRBench)"
    kind = "recognition"
    default_protocol: ClassVar[str] = "word-accuracy"
    protocols: ClassVar[tuple[str, ...]] = (
        "word-accuracy", "word-accuracy-cased", "word-accuracy-alnum", "ned", "contains",
    )
    prompts = frozen({
        "default": PromptTemplate("textrec/default@1", "{question}"),
        "monkey": PromptTemplate("textrec/monkey@1", MONKEY_OCRBENCH_TEMPLATE),
        "textmonkey": PromptTemplate("textrec/textmonkey@1", TEXTMONKEY_TEMPLATE),
        "textharmony": PromptTemplate("textrec/textharmony@1", TEXTHARMONY_TEMPLATE),
    })
    generation = frozen({"max_new_tokens": 32, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)

    def load(self, path: str | Path, images: str | Path | None = None) -> list[Sample]:
        """Read a line list, ``OCRBench.json`` or a JSON(L) file (see the module docstring).

        Raises:
            DataError: naming the file, the record and the field of the first bad item.
        """
        source = as_path(path)
        if source.is_dir():
            raise DataError(source, "a folder; give the annotation file (gt.txt, "
                                    "OCRBench.json, or a JSON/JSONL list)")
        if not source.is_file():
            raise DataError(source, "no such file")
        if looks_like_json(source):
            drafts = self._from_json(source, images)
        else:
            drafts = self._from_lines(source, images)
        return build_samples(self.name, drafts, source)

    # -- line lists ----------------------------------------------------------------------

    def _from_lines(self, path: Path, images: str | Path | None) -> list[Draft]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        numbered = [(n, ln.rstrip("\r")) for n, ln in enumerate(text.split("\n"), start=1)
                    if ln.strip()]
        if not numbered:
            raise DataError(path, "empty file")
        layout = line_layout(numbered[0][1])
        if layout is None:
            raise DataError(path, 'expected "path<TAB>text", \'path, "text"\' or "path text"',
                            record=f"line {numbered[0][0]}")
        root = image_root(path, images)
        drafts = []
        for index, (number, line) in enumerate(numbered):
            rec = Rec(path, f"line {number}", {}, index)
            parts = split_line(line, layout)
            if parts is None:
                raise rec.error(f"not a {_LAYOUT_NAMES[layout]} line like the first one")
            image, answer = parts
            if answer == DONT_CARE:
                continue
            if not answer.strip():
                raise rec.error("empty transcription", "text")
            drafts.append(Draft(
                rec=rec, id=str(index), question=QUESTION, answers=(answer,),
                images=(image_file(rec, "image", root, image),),
                metadata={"image": image},
            ))
        return drafts

    # -- JSON ------------------------------------------------------------------------------

    def _from_json(self, path: Path, images: str | Path | None) -> list[Draft]:
        doc = read_document(path)
        records = doc.record_list()
        if records is None:
            raise DataError(path, "expected a list of records (or JSON Lines)")
        if records and {"dataset_name", "type"} <= set(records[0].data):
            return self._from_ocrbench(path, records, images)
        root = image_root(path, images)
        return [self._json_draft(rec, root) for rec in records]

    @staticmethod
    def _json_draft(rec: Rec, root: Path) -> Draft:
        image_key = rec.pick("image", "image_path") or "image"
        text_key = rec.pick(*_TEXT_KEYS)
        if text_key is None:
            raise rec.error("missing field (one of text, label, answer, answers)", "text")
        answers = rec.answers(text_key)
        if not any(a.strip() for a in answers):
            raise rec.error("empty transcription", text_key)
        id_field = rec.pick("id", "question_id")
        ident = rec.ident(id_field) if id_field is not None else str(rec.index)
        metadata = rec.meta(*(k for k in rec.data if k not in _JSON_KEYS))
        metadata["image"] = rec.text(image_key)
        return Draft(
            rec=rec, id=ident, question=rec.opt_text("question") or QUESTION,
            answers=answers, images=(image_file(rec, image_key, root),),
            metadata=metadata, id_field=id_field, answers_field=text_key,
        )

    @staticmethod
    def _from_ocrbench(path: Path, records: Sequence[Rec],
                       images: str | Path | None) -> list[Draft]:
        root = image_root(path, images, "OCRBench_Images")
        drafts = []
        for rec in records:
            kind = rec.text("type")
            if kind not in RECOGNITION_TYPES:
                continue
            drafts.append(Draft(
                rec=rec, id=str(rec.index), question=rec.text("question"),
                answers=rec.answers("answers"),
                images=(image_file(rec, "image_path", root),),
                metadata={"type": kind, "dataset_name": rec.text("dataset_name"),
                          **rec.meta("id")},
            ))
        if not drafts:
            raise DataError(path, "an OCRBench file without any recognition record (types: "
                                  f"{', '.join(RECOGNITION_TYPES)})")
        return drafts


_LAYOUT_NAMES: Mapping[LineLayout, str] = MappingProxyType({
    "tab": "'path<TAB>text'", "icdar": "'path, \"text\"'", "space": "'path text'",
})
