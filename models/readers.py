"""OCR readers that score generated images: PP-OCR through RapidOCR, and Tesseract.

Both implement :class:`harmonybench.reader.TextReader` (``identity`` and ``read(crops)``: the
text of each line crop, what the ``anytext`` and ``textharmony`` protocols need) and add
whole-image word OCR (``word_identity`` and ``words(images)``: the words found anywhere in each
image, what ``mario`` needs). The image-out tasks pick one by name through
:data:`harmonybench.registries.READERS` (task option ``reader=rapidocr|tesseract``) and pass it
options given as ``reader_<key>=VALUE`` (strings, parsed here).

Neither is the references' recognizer: AnyText and TextHarmony read crops with ModelScope's
DuGuang ConvNeXt-Tiny recognizer, MARIO-Eval reads images with MaskTextSpotterV3; neither is
installable offline. Scores are therefore labelled with the reader's identity (engine, version,
models), and differ from published ones by the reader's accuracy.

**RapidOCR** (``rapidocr``): RapidOCR 3.x with the PP-OCRv6 models its wheel ships (the only
configuration that works offline, see :mod:`harmonybench.models.rapidocr_engine`).

- ``read``: every crop goes through RapidOCR's own steps for a detector-less call (its image
  loading to BGR, its size bounds, the optional 0/180 degree classifier), then all crops go to
  the recognizer in one call, which batches them ``batch_size`` at a time (``Rec.rec_batch_num``;
  RapidOCR sorts the crops by aspect ratio and pads each batch to its widest crop, as PaddleOCR
  does). With ``batch_size=1`` every crop is recognised on its own, exactly as
  ``RapidOCR()(crop)`` with ``use_det=False`` does. Crops of one aspect ratio (AnyText's 48x320
  inputs) read the same whatever the batch size; crops of mixed ratios may differ slightly,
  since a narrow crop is padded to the batch's widest.
- ``words``: detector, (classifier,) recognizer on the whole image; RapidOCR drops lines whose
  score is below ``text_score``; each line is split on whitespace into words.
- options: ``batch_size`` (default 6, RapidOCR's own; on a 2-core CPU batching gains
  nothing, batch 1 being as fast or faster: see ``benchmarks/results_ocr_scoring.md``),
  ``use_cls`` (default ``false``: the references run no
  orientation classifier, and a crop is already upright), ``text_score`` (0.5), ``box_thresh``
  (0.5), ``unclip_ratio`` (1.6), ``det_limit_side_len`` (736), the last four RapidOCR's
  defaults for the detector.
- It prefers AnyText's recognizer input (crops resized to 48 high and zero-padded to 48x320,
  :data:`anytext_input` true), which is also PP-OCR's own input size.

**Tesseract** (``tesseract``): the installed ``tesseract`` binary (LSTM models).

- ``read``: with ``batched`` (the default) the crops are written as PNG files to a temporary
  folder and read by **one** ``tesseract`` process per ``batch_size`` crops, through a list
  file (Tesseract reads a text file naming images as a multi-page document; each image is a
  page, recognised on its own with ``--psm`` ``psm``, and the TSV output's ``page_num`` says
  which crop each word came from). ``batched=false`` runs one process per crop with the image
  on standard input (the command :class:`~harmonybench.models.tesseract_engine.TesseractModel`
  runs).
  Both give the same text (Tesseract does not carry state between pages in this mode; the
  tests check it). A crop's text is its words, grouped into lines by Tesseract, in reading
  order, joined by single spaces.
- ``words``: the same list-file mechanism with ``word_psm`` (default 11, "sparse text: find as
  much text as possible in no particular order", suited to text scattered over a generated
  picture); every recognised word is one word.
- every process runs with ``OMP_THREAD_LIMIT=1`` (option ``threads``): Tesseract's OpenMP
  threads cost far more than they give on line crops (about 8x slower on 2 cores, see
  ``benchmarks/results_ocr_scoring.md``); the text is the same.
- options: ``lang`` (``eng``), ``psm`` (7: one text line), ``word_psm`` (11), ``binary``,
  ``batched`` (``true``), ``batch_size`` (256), ``threads`` (1; 0 leaves ``OMP_THREAD_LIMIT``
  as the environment has it).
- It prefers bare rectified crops (:data:`anytext_input` false): Tesseract reads the black
  padding of AnyText's 48x320 input as ink.

Engines are checked at the first use or by :meth:`check` (a missing package or binary raises
:class:`~harmonybench.models.ocr_lines.EngineUnavailableError` naming what to install); models load
on the first image.

**Modules**: this one holds the option parsing both readers share;
:mod:`~harmonybench.models.readers_rapidocr` and :mod:`~harmonybench.models.readers_tesseract`
the readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harmonybench.errors import HarmonyBenchError
from harmonybench.models.ocr_lines import EngineUnavailableError


class ReaderOptionError(HarmonyBenchError):
    """A reader option (``--task-arg TASK:reader_KEY=VALUE``) the reader cannot use."""


def option_bool(reader: str, key: str, value: str | bool) -> bool:
    """``value`` as a boolean (``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``)."""
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected true or false")


def option_int(reader: str, key: str, value: str | int, *, low: int, high: int) -> int:
    """``value`` as an integer in ``[low, high]``."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected an integer"
                                ) from None
    if not low <= number <= high:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected an integer from "
                                f"{low} to {high}")
    return number


def option_float(reader: str, key: str, value: str | float, *, high: float | None) -> float:
    """``value`` as a non-negative number, at most ``high`` when given."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected a number") from None
    if number < 0 or (high is not None and number > high):
        bound = f"from 0 to {high:g}" if high is not None else "of 0 or more"
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected a number {bound}")
    return number


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in consecutive slices of ``size``."""
    return [items[i: i + size] for i in range(0, len(items), size)]


__all__ = [
    "EngineUnavailableError",
    "ReaderOptionError",
    "chunks",
    "option_bool",
    "option_float",
    "option_int",
]
