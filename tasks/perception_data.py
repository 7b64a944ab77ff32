"""Readers of the region annotations the text-perception tasks share (grounding, detection,
spotting): text instances with a polygon or box each, grouped by image.

:func:`load_annotations` reads any of these sources and returns one
:class:`~harmonybench.tasks.perception_regions.ImageAnnotation` per image, in file order:

- **one annotation file per image** (``.txt``), in one of two line formats, told from the
  first non-blank line (every line of a file must then have that format):

  - *ICDAR* ``x1,y1,x2,y2,x3,y3,x4,y4,transcription`` (ICDAR 2015 Challenge 4
    quadrilaterals) or ``x1,y1,x2,y2,transcription`` (ICDAR 2013 boxes, ``xmin,ymin,xmax,
    ymax``), commas with optional spaces (ICDAR 2013 test: ``38, 43, 920, 215, "Tiredness"``)
    or, consistently, whitespace (ICDAR 2013 train: ``158 128 411 181 "Footpath"``). The
    transcription is the rest of the line; a double-quoted one is unquoted with
    ``\\\\`` -> ``\\`` then ``\\"`` -> ``"`` as the RRC scripts do
    (Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts/spotting_eval/
    rrc_evaluation_funcs_1_1.py`` @794c36d6423c, ``get_tl_line_values``); an unquoted one is
    stripped of surrounding whitespace (the RRC script keeps it, IC15 files have none).
    ``###`` marks a don't-care region. Coordinates may be decimal (the RRC takes integers).
    A box needs ``xmax >= xmin`` and ``ymax >= ymin`` (the RRC's check). A UTF-8 BOM (IC15
    files have one) is skipped. MLT files (``x1,...,y4,script,transcription``) are not
    recognised as such: their script would become part of the transcription.
  - *MARIO* ``WORD x1,y1,x2,y2,x3,y3,x4,y4 [conf]``: MARIO-10M's ``ocr.txt`` (microsoft/unilm
    ``textdiffuser/data/mario-laion-example/*/ocr.txt`` @d38ba06c7b4a), read as TextHarmony's
    ``custom_datasets/all_mixed_dataset.py`` ``_get_ocr`` (bytedance/TextHarmony @f98ac34b206f)
    reads it: the word, a space, the comma-separated vertices (any even count of 6 or more
    numbers; MARIO has 8), and optionally a confidence, kept in the metadata. The
    coordinates are in the image's pixels (MARIO-10M images are 512 x 512); they are kept as
    written (TextHarmony's training answers clamp negative values to 0 and rescale to 448).

- **a folder** of such files, searched recursively: the MARIO-10M layout when it holds
  ``ocr.txt`` files (``<key>/ocr.txt`` next to ``<key>/image.jpg``; the other ``.txt`` files,
  ``caption.txt``, are not annotations), else the ICDAR layout when it holds ``gt_*.txt``
  files (``gt_img_1.txt`` annotates ``img_1.jpg``), else every ``.txt`` file annotates the
  image with its stem. Each image is looked for next to its annotation file, or, with
  ``images``, in the same relative folder under ``images`` (ICDAR 2015 ships
  ``Challenge4_Test_Task1_GT/`` and ``ch4_test_images/`` side by side: pass the latter as
  ``images``), with any of :data:`~harmonybench.tasks.perception_regions.IMAGE_SUFFIXES` (lower or
  upper case). Image ids: the annotation's relative path without its suffix, without the ``gt_``
  prefix, and for ``ocr.txt`` the relative folder (``img_1``, ``06269/062692530``).

- **a PaddleOCR label file**: one ``image_path<TAB>[{"transcription": ..., "points":
  [[x, y], ...]}, ...]`` line per image (PaddlePaddle/PaddleOCR
  ``ppocr/data/imaug/label_ops.py`` ``DetLabelEncode`` @606a387354f2: ``"###"`` and ``"*"``
  are don't care). Ids are 0-based line positions among the non-blank lines.

- **JSON or JSON Lines** (told from the content), one record per image::

      {"image": "img_1.jpg", "id": "img_1", "width": 1280, "height": 720,
       "instances": [{"text": "Genaxis", "polygon": [[377, 117], [463, 117], ...]},
                     {"text": "###", "box": [374, 155, 409, 170]},
                     {"text": "EXIT", "polygon": [10, 10, 50, 10, 50, 30, 10, 30],
                      "ignore": true}]}

  ``image`` (or ``image_path``) is required; ``id`` (an integer or a string) defaults to the
  0-based position; ``width``/``height`` are optional (read from the image otherwise);
  ``instances`` is a list (possibly empty) of ``text`` (or ``transcription``) with a
  ``polygon`` (``[[x, y], ...]`` or flat ``[x1, y1, x2, y2, ...]``, 3 points or more) or a
  ``box`` (``[x1, y1, x2, y2]``), and an optional boolean ``ignore``. Other scalar fields of
  the record go into the metadata.

Image paths resolve against ``images`` when given, else the annotation file's folder. The
image's width and height, needed to convert normalised answers to pixels, are read from its
header with PIL when the source does not give them: an image that cannot be read is a
:class:`~harmonybench.errors.DataError` at load time, naming the annotation record.

**Modules**: this one tells the source's format and dispatches;
:mod:`~harmonybench.tasks.perception_text` reads the ICDAR and MARIO text files and folders,
:mod:`~harmonybench.tasks.perception_json` the PaddleOCR label and JSON files, and
:mod:`~harmonybench.tasks.perception_regions` holds the types they return.
"""


from __future__ import annotations

from pathlib import Path

from harmonybench.errors import DataError
from harmonybench.schema import as_path
from harmonybench.tasks.perception_json import (
    annotation_from_json,
    is_paddle_label,
    json_records,
    looks_like_json,
    read_paddle_label,
)
from harmonybench.tasks.perception_regions import (
    ImageAnnotation,
)
from harmonybench.tasks.perception_text import (
    first_line,
    read_folder,
    read_single_file,
)
from harmonybench.tasks.records import image_root


def load_annotations(path: str | Path, images: str | Path | None = None) -> list[
        ImageAnnotation]:
    """Every image annotation of a file or folder in one of the formats of this module.

    Args:
        path: a folder of annotation files, one annotation file, a PaddleOCR label file, or
            a JSON/JSON Lines file of image records.
        images: where images resolve (see the module docstring).

    Raises:
        DataError: a missing path, an unknown format, or a bad record (naming the file,
            the record and the field).
    """
    source = as_path(path)
    if source.is_dir():
        return read_folder(source, images)
    if not source.is_file():
        raise DataError(source, "no such file or folder")
    if looks_like_json(source):
        root = image_root(source, images)
        return [annotation_from_json(rec, root) for rec in json_records(source)]
    if is_paddle_label(first_line(source)):
        return read_paddle_label(source, images)
    return [read_single_file(source, images)]
