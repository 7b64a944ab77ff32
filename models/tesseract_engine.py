"""``tesseract``: the Tesseract OCR engine (LSTM, 4.x/5.x), a text-recognition specialist
serving ``recognition``, ``grounding``, ``detection`` and ``spotting`` requests (see
:mod:`harmonybench.models.ocr` for what each answers; the region kinds answer in pixels, with
Tesseract's own word boxes).

The ``tesseract`` binary is run once per image (``tesseract stdin stdout -l LANG --psm N
tsv``), with the image passed as PNG on standard input and the word table read from standard
output, so nothing is written to disk and no Python wrapper is needed. Words are grouped into
lines by Tesseract's own ``(page, block, paragraph, line)`` numbers; a line's polygon is the box
around its words and its confidence the mean of its words' confidences (Tesseract reports
0-100; divided by 100 here). ``spec()`` records ``tesseract --version``'s version, the
language, the page segmentation mode and the sha256 of each language's ``.traineddata``.

``--model-arg`` settings:

- ``lang`` (default ``eng``): the traineddata to use; several as ``eng+deu``. Each must be
  installed (``tesseract --list-langs``; Debian: ``apt-get install tesseract-ocr-<lang>``).
- ``psm`` (default ``7``): the page segmentation mode. ``7`` treats the image as a single text
  line, which is what a recognition request (a cropped word or line) is; ``8`` a single word,
  ``13`` a raw line without Tesseract's line-finding hacks, ``6`` a uniform block of text
  (several lines), ``3`` full automatic layout analysis (Tesseract's own default, which
  often finds nothing in a tight word crop). ``0`` (orientation detection only, no text) and
  ``2`` (not implemented by Tesseract) are refused.
- ``page_psm`` (default ``11``, sparse text: find as much text as possible in no particular
  order, which suits scene images): the page segmentation mode of grounding, detection and
  spotting requests, which read whole images. ``3`` (automatic layout) suits documents; the
  same modes are refused as for ``psm``.
- ``binary`` (default: ``tesseract`` on ``PATH``): the path of the executable.
- ``level`` and ``match_threshold``: see :mod:`harmonybench.models.ocr`.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.model import ModelArgError, parse_number
from harmonybench.models.ocr import PERCEPTION_ARGS, OCREngineModel, check_args
from harmonybench.models.ocr_lines import EngineUnavailableError, OCRLine, Page, box_polygon
from harmonybench.runfolder import sha256_file

if TYPE_CHECKING:
    from PIL import Image

_INSTALL = "install Tesseract (Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew " \
    "install tesseract) or point --model-arg binary=PATH at it"
_ARGS: tuple[str, ...] = ("lang", "psm", "page_psm", "binary", *PERCEPTION_ARGS)
_REFUSED_PSM = {0: "orientation and script detection only, no text",
                2: "not implemented by Tesseract"}
_VERSION = re.compile(r"tesseract\s+v?(\S+)", re.IGNORECASE)
_TESSDATA = re.compile(r'"([^"]+)"')
_TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
                "left", "top", "width", "height", "conf", "text")
_WORD_LEVEL = 5
_TIMEOUT_S = 120


def parse_tsv_page(tsv: str) -> Page:
    """Lines and their words from Tesseract's TSV output (``tsv`` config), in Tesseract's
    order.

    Word rows (level 5) with a non-empty text are grouped by ``(page_num, block_num,
    par_num, line_num)``; empty words (Tesseract's confidence -1 rows) are dropped. A word's
    polygon is its box; a line's is the box around its words and its confidence the mean of
    its words' (Tesseract's 0-100 divided by 100, negative values counted as 0).

    Raises:
        ValueError: the header or a row does not have Tesseract's TSV columns.
    """
    rows = tsv.splitlines()
    if not rows:
        return Page()
    header = tuple(rows[0].split("\t"))
    if header != _TSV_COLUMNS:
        raise ValueError(f"unexpected tesseract TSV header {rows[0]!r}")
    groups: dict[tuple[int, int, int, int], list[OCRLine]] = {}
    for row in rows[1:]:
        if not row.strip():
            continue
        cells = row.split("\t")
        if len(cells) < len(_TSV_COLUMNS) - 1:
            raise ValueError(f"unexpected tesseract TSV row {row!r}")
        text = cells[11] if len(cells) > 11 else ""
        if int(cells[0]) != _WORD_LEVEL or not text.strip():
            continue
        key = (int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]))
        left, top, width, height = (float(c) for c in cells[6:10])
        confidence = min(1.0, max(0.0, float(cells[10])) / 100.0)
        groups.setdefault(key, []).append(OCRLine(
            text=text.strip(), polygon=box_polygon(left, top, left + width, top + height),
            confidence=confidence,
        ))
    lines = []
    for words in groups.values():
        right = max(x for w in words for x, _ in w.polygon)
        lines.append(OCRLine(
            text=" ".join(w.text for w in words),
            polygon=box_polygon(min(w.left for w in words), min(w.top for w in words), right,
                                max(w.bottom for w in words)),
            confidence=sum(w.confidence for w in words) / len(words),
        ))
    return Page(lines=tuple(lines), words=tuple(tuple(words) for words in groups.values()))


def parse_tsv(tsv: str) -> list[OCRLine]:
    """The lines of :func:`parse_tsv_page`.

    Raises:
        ValueError: the header or a row does not have Tesseract's TSV columns.
    """
    return list(parse_tsv_page(tsv).lines)


def _parse_psm(key: str, value: str) -> int:
    """A page segmentation mode from 1 to 13 other than 2 (see the module docstring)."""
    psm = parse_number(key, value)
    if not isinstance(psm, int) or not 0 <= psm <= 13:
        raise ModelArgError(f"--model-arg {key}={psm!r}: expected an integer from 0 to 13")
    if psm in _REFUSED_PSM:
        raise ModelArgError(f"--model-arg {key}={psm}: {_REFUSED_PSM[psm]}; use 7 (one line), "
                            "8 (one word), 6 (a block), 11 (sparse text) or 3 (automatic)")
    return psm


def _run(command: Sequence[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # One OpenMP thread: Tesseract's threads slow it down several times on small images
    # (benchmarks/results_ocr_scoring.md) and the text read is the same.
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    return subprocess.run(list(command), input=stdin, capture_output=True, timeout=_TIMEOUT_S,
                          check=False, env=env)


class TesseractModel(OCREngineModel):
    """Tesseract (the installed binary, LSTM models) as a text-perception specialist."""

    name: ClassVar[str] = "tesseract"
    install_hint: ClassVar[str] = _INSTALL

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        check_args(self.name, args, _ARGS)
        self.lang = args.get("lang", "eng").strip()
        if not self.lang or any(not part for part in self.lang.split("+")):
            raise ModelArgError(f"--model-arg lang={self.lang!r}: expected names like eng or "
                                "eng+deu")
        self.psm = _parse_psm("psm", args.get("psm", "7"))
        self.page_psm = _parse_psm("page_psm", args.get("page_psm", "11"))
        self.binary = self._find_binary(args.get("binary"))
        self.version = self._version()
        self._check_languages()

    @staticmethod
    def _find_binary(given: str | None) -> str:
        found = shutil.which(given or "tesseract")
        if found is None:
            what = f"--model-arg binary={given!r} is not an executable" if given else \
                "the tesseract binary is not on PATH"
            raise EngineUnavailableError(f"tesseract adapter: {what}; {_INSTALL}")
        return found

    def _version(self) -> str:
        done = _run([self.binary, "--version"])
        text = (done.stdout + done.stderr).decode("utf-8", "replace")
        match = _VERSION.search(text)
        if done.returncode != 0 or match is None:
            raise EngineUnavailableError(
                f"tesseract adapter: {self.binary} --version failed ({text.strip()[:200]!r}); "
                f"{_INSTALL}"
            )
        return match.group(1)

    def _list_langs(self) -> tuple[Path | None, list[str]]:
        """The tessdata folder and the languages ``tesseract --list-langs`` reports."""
        done = _run([self.binary, "--list-langs"])
        lines = (done.stdout + done.stderr).decode("utf-8", "replace").splitlines()
        folder = _TESSDATA.search(lines[0]) if lines else None
        return (Path(folder.group(1)) if folder else None,
                [ln.strip() for ln in lines[1:] if ln.strip()])

    def installed_languages(self) -> list[str]:
        """The languages ``tesseract --list-langs`` reports."""
        return self._list_langs()[1]

    def traineddata(self) -> dict[str, str]:
        """sha256 (16 hex digits) of each language's ``.traineddata`` file, where found.

        Distributions ship different models under one name (``tessdata_fast`` on Debian,
        ``tessdata_best`` elsewhere), so the version alone does not pin the recogniser.
        """
        folder, _ = self._list_langs()
        digests: dict[str, str] = {}
        for lang in self.lang.split("+"):
            file = folder / f"{lang}.traineddata" if folder else None
            if file is not None and file.is_file():
                digests[lang] = sha256_file(file)[:16]
        return digests

    def _check_languages(self) -> None:
        installed = self.installed_languages()
        missing = [part for part in self.lang.split("+") if part not in installed]
        if missing:
            raise EngineUnavailableError(
                f"tesseract adapter: language {', '.join(missing)} is not installed "
                f"(installed: {', '.join(installed) or 'none'}); Debian/Ubuntu: apt-get install "
                + " ".join(f"tesseract-ocr-{m.lower().replace('_', '-')}" for m in missing)
            )

    def _tsv(self, image: Image.Image, psm: int) -> str:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        done = _run([self.binary, "stdin", "stdout", "-l", self.lang, "--psm", str(psm),
                     "tsv"], stdin=buffer.getvalue())
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"tesseract exited with status {done.returncode}: {message}")
        return done.stdout.decode("utf-8", "replace")

    def read(self, image: Image.Image) -> list[OCRLine]:
        """Lines Tesseract finds in ``image`` with the configured ``psm`` and ``lang``."""
        return parse_tsv(self._tsv(image, self.psm))

    def read_page(self, image: Image.Image) -> Page:
        """Lines and word boxes of a whole image, with ``page_psm``."""
        return parse_tsv_page(self._tsv(image, self.page_psm))

    def engine_spec(self) -> dict[str, Any]:
        """The tesseract version, language, page segmentation modes and settings."""
        return {"name": "tesseract", "version": self.version, "lang": self.lang,
                "psm": self.psm, "page_psm": self.page_psm, "traineddata": self.traineddata(),
                "level": self.level, "match_threshold": self.match_threshold}
