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
:class:`~harmonybench.models.ocr.EngineUnavailableError` naming what to install); models load
on the first image.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.errors import HarmonyBenchError
from harmonybench.models.ocr import EngineUnavailableError, OCRLine, join_lines

if TYPE_CHECKING:
    from PIL import Image

    from harmonybench.models.rapidocr_engine import RapidOCRModel
    from harmonybench.models.tesseract_engine import TesseractModel

_TESSERACT_TIMEOUT_S = 600
_REFUSED_PSM = frozenset({0, 2})


class ReaderOptionError(HarmonyBenchError):
    """A reader option (``--task-arg TASK:reader_KEY=VALUE``) the reader cannot use."""


def _option_bool(reader: str, key: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected true or false")


def _option_int(reader: str, key: str, value: str | int, *, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected an integer"
                                ) from None
    if not low <= number <= high:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected an integer from "
                                f"{low} to {high}")
    return number


def _option_float(reader: str, key: str, value: str | float, *, high: float | None) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected a number") from None
    if number < 0 or (high is not None and number > high):
        bound = f"from 0 to {high:g}" if high is not None else "of 0 or more"
        raise ReaderOptionError(f"{reader} reader: {key}={value!r}: expected a number {bound}")
    return number


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i: i + size] for i in range(0, len(items), size)]


# ----------------------------------------------------------------------------- RapidOCR


class RapidOCRReader:
    """PP-OCR (RapidOCR 3.x, bundled PP-OCRv6 models) as a batched crop and word reader.

    Args:
        batch_size: crops per recognizer forward pass (RapidOCR's ``Rec.rec_batch_num``).
        use_cls: run the 0/180 degree orientation classifier before recognition.
        text_score: detected lines scoring below it are dropped (``words`` only).
        box_thresh: the detector's box score threshold (``words`` only).
        unclip_ratio: the detector's box expansion (``words`` only).
        det_limit_side_len: the detector resizes an image so that its shorter side is at
            least this (RapidOCR's ``Det.limit_side_len`` with ``limit_type: min``).

    Raises:
        ReaderOptionError: an option value it cannot use.
    """

    name: ClassVar[str] = "rapidocr"
    anytext_input: ClassVar[bool] = True
    """Whether crops should be resized and padded to AnyText's 48x320 recognizer input."""

    def __init__(
        self,
        *,
        batch_size: str | int = 6,
        use_cls: str | bool = False,
        text_score: str | float = 0.5,
        box_thresh: str | float = 0.5,
        unclip_ratio: str | float = 1.6,
        det_limit_side_len: str | int = 736,
    ) -> None:
        self.batch_size = _option_int(self.name, "batch_size", batch_size, low=1, high=4096)
        self.use_cls = _option_bool(self.name, "use_cls", use_cls)
        self.text_score = _option_float(self.name, "text_score", text_score, high=1.0)
        self.box_thresh = _option_float(self.name, "box_thresh", box_thresh, high=1.0)
        self.unclip_ratio = _option_float(self.name, "unclip_ratio", unclip_ratio, high=None)
        self.det_limit_side_len = _option_int(self.name, "det_limit_side_len",
                                              det_limit_side_len, low=32, high=4096)
        self._model: RapidOCRModel | None = None
        self._engine: Any = None
        self._keys: dict[str, str] | None = None

    def check(self) -> None:
        """Raise :class:`EngineUnavailableError` unless rapidocr 3.x and onnxruntime import."""
        self._adapter()

    def _adapter(self) -> RapidOCRModel:
        """The ``rapidocr`` adapter with these settings (installation check, version, models)."""
        if self._model is None:
            from harmonybench.models.rapidocr_engine import RapidOCRModel

            self._model = RapidOCRModel(
                use_det="true", use_cls=str(self.use_cls).lower(),
                text_score=str(self.text_score), box_thresh=str(self.box_thresh),
                unclip_ratio=str(self.unclip_ratio),
            )
        return self._model

    def engine(self) -> Any:
        """The RapidOCR engine, built on first use (its models load on the first image)."""
        if self._engine is None:
            self._adapter()
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params={
                "Global.log_level": "error",
                "Global.use_det": True,
                "Global.use_cls": self.use_cls,
                "Global.use_rec": True,
                "Global.text_score": self.text_score,
                "Det.box_thresh": self.box_thresh,
                "Det.unclip_ratio": self.unclip_ratio,
                "Det.limit_side_len": self.det_limit_side_len,
                "Rec.rec_batch_num": self.batch_size,
            })
        return self._engine

    def _model_keys(self) -> dict[str, str]:
        if self._keys is None:
            self._keys = self._adapter().model_keys()
        return self._keys

    @property
    def version(self) -> str:
        """The installed rapidocr version."""
        return self._adapter().version

    @property
    def identity(self) -> str:
        """``rapidocr <version> (rec <model>[, cls <model>])``: what reads the crops."""
        keys = self._model_keys()
        models = [f"rec {keys['rec']}"] + ([f"cls {keys['cls']}"] if "cls" in keys else [])
        return f"rapidocr {self.version} ({', '.join(models)})"

    @property
    def word_identity(self) -> str:
        """``rapidocr <version> (det <model>, rec <model>[, cls <model>], text_score <s>)``."""
        keys = self._model_keys()
        models = [f"det {keys['det']}", f"rec {keys['rec']}"]
        models += [f"cls {keys['cls']}"] if "cls" in keys else []
        settings = f"text_score {self.text_score:g}"
        if self.det_limit_side_len != 736:
            settings += f", det side {self.det_limit_side_len}"
        return f"rapidocr {self.version} ({', '.join(models)}, {settings})"

    def spec(self) -> dict[str, Any]:
        """Engine, versions, models and settings, for records and reports."""
        return {**self._adapter().engine_spec(), "batch_size": self.batch_size,
                "det_limit_side_len": self.det_limit_side_len}

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        """The text of each crop (``""`` when nothing is read), recognised in batches."""
        if not crops:
            return []
        engine = self.engine()
        arrays = [engine.preprocess_img(engine.load_img(crop.convert("RGB")))[0]
                  for crop in crops]
        if self.use_cls:
            arrays, _ = engine.cls_and_rotate(arrays)
        result = engine.recognize_txt(list(arrays))
        texts = list(result.txts or ())
        if len(texts) != len(crops):
            raise RuntimeError(f"rapidocr returned {len(texts)} texts for {len(crops)} crops")
        return [str(t) for t in texts]

    def read_one_by_one(self, crops: Sequence[Image.Image]) -> list[str]:
        """The same texts by one full ``RapidOCR()(crop, use_det=False)`` call per crop.

        What the ``rapidocr`` adapter does for a recognition request; kept for the throughput
        benchmark and the equivalence tests.
        """
        engine = self.engine()
        texts = []
        for crop in crops:
            result = engine(crop.convert("RGB"), use_det=False, use_cls=self.use_cls)
            found = getattr(result, "txts", None) or ("",)
            texts.append(str(found[0]))
        return texts

    def words(self, images: Sequence[Image.Image]) -> list[list[str]]:
        """The words found in each whole image (detector, recognizer, split on whitespace)."""
        engine = self.engine()
        out: list[list[str]] = []
        for image in images:
            result = engine(image.convert("RGB"), use_det=True, use_cls=self.use_cls)
            lines = getattr(result, "txts", None) or ()
            out.append([word for line in lines for word in str(line).split()])
        return out


# ----------------------------------------------------------------------------- Tesseract


def _pages(tsv: str, count: int) -> list[str]:
    """Split Tesseract's TSV output of a multi-page run into one TSV document per page."""
    rows = tsv.splitlines()
    if not rows:
        return [""] * count
    header, body = rows[0], rows[1:]
    per_page: list[list[str]] = [[] for _ in range(count)]
    for row in body:
        cells = row.split("\t", 2)
        if len(cells) < 2 or not cells[1].strip().isdigit():
            continue
        page = int(cells[1])
        if not 1 <= page <= count:
            raise RuntimeError(f"tesseract reported page {page} for {count} images")
        per_page[page - 1].append(row)
    return ["\n".join([header, *page_rows]) for page_rows in per_page]


class TesseractReader:
    """Tesseract as a crop reader (one process per batch of crops) and a word reader.

    Args:
        lang: the traineddata to use (``eng``, ``eng+deu``).
        psm: page segmentation mode for crops (7: a single text line).
        word_psm: page segmentation mode for whole images (11: sparse text).
        binary: the ``tesseract`` executable (default: the one on ``PATH``).
        batched: read a batch of crops with one process through a list file.
        batch_size: crops (or images) per process when batched.
        threads: ``OMP_THREAD_LIMIT`` for the tesseract processes (0: leave the environment
            as it is).

    Raises:
        ReaderOptionError: an option value it cannot use.
    """

    name: ClassVar[str] = "tesseract"
    anytext_input: ClassVar[bool] = False
    """Tesseract reads the black padding of AnyText's 48x320 input as ink: bare crops."""

    def __init__(
        self,
        *,
        lang: str = "eng",
        psm: str | int = 7,
        word_psm: str | int = 11,
        binary: str | None = None,
        batched: str | bool = True,
        batch_size: str | int = 256,
        threads: str | int = 1,
    ) -> None:
        self.lang = str(lang).strip()
        if not self.lang or any(not part for part in self.lang.split("+")):
            raise ReaderOptionError(f"tesseract reader: lang={lang!r}: expected names like eng "
                                    "or eng+deu")
        self.psm = _option_int(self.name, "psm", psm, low=1, high=13)
        self.word_psm = _option_int(self.name, "word_psm", word_psm, low=1, high=13)
        for key, value in (("psm", self.psm), ("word_psm", self.word_psm)):
            if value in _REFUSED_PSM:
                raise ReaderOptionError(f"tesseract reader: {key}={value} gives no text")
        self.binary_option = binary
        self.batched = _option_bool(self.name, "batched", batched)
        self.batch_size = _option_int(self.name, "batch_size", batch_size, low=1, high=100000)
        self.threads = _option_int(self.name, "threads", threads, low=0, high=1024)
        self._model: TesseractModel | None = None
        self._traineddata: dict[str, str] | None = None

    def check(self) -> None:
        """Raise :class:`EngineUnavailableError` unless the binary and languages are there."""
        self._adapter()

    def _adapter(self) -> TesseractModel:
        if self._model is None:
            from harmonybench.models.tesseract_engine import TesseractModel

            args = {"lang": self.lang, "psm": str(self.psm)}
            if self.binary_option:
                args["binary"] = self.binary_option
            self._model = TesseractModel(**args)
        return self._model

    @property
    def version(self) -> str:
        """``tesseract --version``'s version."""
        return self._adapter().version

    def _models(self) -> str:
        if self._traineddata is None:
            self._traineddata = self._adapter().traineddata()
        digests = ", ".join(f"{k} {v[:8]}" for k, v in sorted(self._traineddata.items()))
        return f"traineddata {digests}" if digests else "traineddata unknown"

    @property
    def identity(self) -> str:
        """``tesseract <version> (<lang>, psm <n>, traineddata <lang> <sha256 prefix>)``."""
        return f"tesseract {self.version} ({self.lang}, psm {self.psm}, {self._models()})"

    @property
    def word_identity(self) -> str:
        """As :attr:`identity`, with the whole-image page segmentation mode."""
        return f"tesseract {self.version} ({self.lang}, psm {self.word_psm}, {self._models()})"

    def spec(self) -> dict[str, Any]:
        """Engine, version, language, modes and settings."""
        return {**self._adapter().engine_spec(), "word_psm": self.word_psm,
                "batched": self.batched, "batch_size": self.batch_size, "threads": self.threads}

    def _env(self) -> dict[str, str] | None:
        if self.threads == 0:
            return None
        return {**os.environ, "OMP_THREAD_LIMIT": str(self.threads)}

    def _command(self, source: str, psm: int) -> list[str]:
        return [self._adapter().binary, source, "stdout", "-l", self.lang, "--psm", str(psm),
                "tsv"]

    def _tsv(self, command: list[str], stdin: bytes | None = None) -> str:
        done = subprocess.run(command, input=stdin, capture_output=True, env=self._env(),
                              timeout=_TESSERACT_TIMEOUT_S, check=False)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"tesseract exited with status {done.returncode}: {message}")
        return done.stdout.decode("utf-8", "replace")

    def _run_list(self, images: Sequence[Image.Image], psm: int) -> list[list[OCRLine]]:
        """One tesseract process over ``images`` through a list file; lines per image."""
        from harmonybench.models.tesseract_engine import parse_tsv

        with tempfile.TemporaryDirectory(prefix="hb-tesseract-") as folder:
            root = Path(folder)
            names = []
            for i, image in enumerate(images):
                path = root / f"{i:06d}.png"
                image.convert("RGB").save(path, format="PNG")
                names.append(str(path))
            listing = root / "images.txt"
            listing.write_text("\n".join(names) + "\n", encoding="utf-8")
            tsv = self._tsv(self._command(str(listing), psm))
        pages = _pages(tsv, len(images))
        return [parse_tsv(page) if page else [] for page in pages]

    def _run_each(self, images: Sequence[Image.Image], psm: int) -> list[list[OCRLine]]:
        """One tesseract process per image (PNG on standard input, as the ``tesseract``
        adapter runs it)."""
        from harmonybench.models.tesseract_engine import parse_tsv

        out = []
        for image in images:
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="PNG")
            out.append(parse_tsv(self._tsv(self._command("stdin", psm), buffer.getvalue())))
        return out

    def _lines(self, images: Sequence[Image.Image], psm: int) -> list[list[OCRLine]]:
        if not images:
            return []
        if not self.batched:
            return self._run_each(images, psm)
        out: list[list[OCRLine]] = []
        for chunk in _chunks(images, self.batch_size):
            out.extend(self._run_list(chunk, psm))
        return out

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        """The text of each crop: its lines in reading order, joined by single spaces."""
        return [join_lines(lines) for lines in self._lines(crops, self.psm)]

    def read_one_by_one(self, crops: Sequence[Image.Image]) -> list[str]:
        """The same texts with one tesseract process per crop (for benchmarks and tests)."""
        return [join_lines(lines) for lines in self._run_each(crops, self.psm)]

    def words(self, images: Sequence[Image.Image]) -> list[list[str]]:
        """The words found in each whole image (``word_psm``), one string per word."""
        return [[word for line in lines for word in line.text.split()]
                for lines in self._lines(images, self.word_psm)]


__all__ = [
    "EngineUnavailableError",
    "RapidOCRReader",
    "ReaderOptionError",
    "TesseractReader",
]
