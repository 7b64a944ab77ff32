"""``tesseract``: the Tesseract reader of the image-out tasks; options and conventions are
described in :mod:`harmonybench.models.readers`."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.models.ocr_lines import OCRLine, join_lines
from harmonybench.models.readers import (
    ReaderOptionError,
    chunks,
    option_bool,
    option_int,
)

if TYPE_CHECKING:
    from PIL import Image

    from harmonybench.models.tesseract_engine import TesseractModel

_TESSERACT_TIMEOUT_S = 600
_REFUSED_PSM = frozenset({0, 2})


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
        self.psm = option_int(self.name, "psm", psm, low=1, high=13)
        self.word_psm = option_int(self.name, "word_psm", word_psm, low=1, high=13)
        for key, value in (("psm", self.psm), ("word_psm", self.word_psm)):
            if value in _REFUSED_PSM:
                raise ReaderOptionError(f"tesseract reader: {key}={value} gives no text")
        self.binary_option = binary
        self.batched = option_bool(self.name, "batched", batched)
        self.batch_size = option_int(self.name, "batch_size", batch_size, low=1, high=100000)
        self.threads = option_int(self.name, "threads", threads, low=0, high=1024)
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
        for chunk in chunks(images, self.batch_size):
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

